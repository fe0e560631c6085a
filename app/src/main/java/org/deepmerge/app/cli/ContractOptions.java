package org.deepmerge.app.cli;

import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;
import picocli.CommandLine.Option;

/**
 * The model-contract flags shared by {@code score}, {@code demo} and {@code bench} (a picocli mixin): they supply
 * what a third-party ONNX file lacks in its {@code deepmerge.*} metadata_props (docs/model-contract.md).
 */
public final class ContractOptions {

    @Option(names = ContractOverrides.FLAG_INPUT_NAME, paramLabel = "NAME", description = "Model input tensor name.")
    String inputName;

    @Option(names = ContractOverrides.FLAG_CHANNELS, paramLabel = "BANDS", split = ",",
            description = "Band of each model channel, in order, e.g. g,r,i.")
    List<String> channels;

    @Option(names = ContractOverrides.FLAG_PIXEL_SCALE, paramLabel = "ARCSEC", description = "Model pixel scale, arcsec/px.")
    Double pixelScale;

    @Option(names = ContractOverrides.FLAG_RESAMPLE, paramLabel = "angular|fit",
            description = "Map stamps onto the model's angular grid, or stretch them to H x W.")
    ResampleMode resample;

    @Option(names = ContractOverrides.FLAG_NORMALISATION, paramLabel = "SPEC",
            description = "Input normalisation: none, asinh:SOFTENING, display:FRACTION or standardize:MEAN,..:STD,.. (see docs/model-contract.md).")
    String normalisation;

    @Option(names = ContractOverrides.FLAG_OUTPUT_NAME, paramLabel = "NAME", description = "Model output tensor to read.")
    String outputName;

    @Option(names = ContractOverrides.FLAG_OUTPUT_KIND, paramLabel = "sigmoid|softmax|logits",
            description = "What the output tensor holds.")
    OutputKind outputKind;

    @Option(names = ContractOverrides.FLAG_CLASSES, paramLabel = "NAMES", split = ",",
            description = "Class names in output order.")
    List<String> classes;

    @Option(names = ContractOverrides.FLAG_MERGER_CLASS, paramLabel = "NAME", description = "Name of the merger class.")
    String mergerClass;

    @Option(names = ContractOverrides.FLAG_MODEL_NAME, paramLabel = "NAME", description = "Model name stamped on scores.")
    String modelName;

    @Option(names = ContractOverrides.FLAG_MODEL_VERSION, paramLabel = "VERSION", description = "Model version stamped on scores.")
    String modelVersion;

    /**
     * @return the overrides given on the command line (null fields where a flag was not given)
     * @throws DeepMergeException INVALID_CONFIG for a malformed {@code --normalisation}
     */
    public ContractOverrides overrides() throws DeepMergeException {
        return new ContractOverrides(inputName, channels, pixelScale, resample,
                normalisation == null ? null : Normalisation.parse(normalisation), outputName, outputKind, classes,
                mergerClass, modelName, modelVersion);
    }
}
