package org.deepmerge.core.model;

import java.util.List;

/**
 * Contract values supplied on the command line for third-party ONNX files that lack {@code deepmerge.*}
 * metadata. Every component is optional ({@code null} = not given). Precedence when resolving a contract
 * ({@link ModelContracts}): override &gt; {@code metadata_props} &gt; inferred from the graph &gt; default.
 * The {@code FLAG_*} constants are the command-line flag names error messages point to; the CLI uses them.
 *
 * @param inputName        input tensor name ({@value #FLAG_INPUT_NAME})
 * @param channels         band/filter name per input channel, in order ({@value #FLAG_CHANNELS})
 * @param pixelScaleArcsec model pixel scale, arcsec/px, &gt; 0 ({@value #FLAG_PIXEL_SCALE})
 * @param resample         angular or fit ({@value #FLAG_RESAMPLE})
 * @param normalisation    per-pixel normalisation ({@value #FLAG_NORMALISATION})
 * @param outputName       output tensor to read ({@value #FLAG_OUTPUT_NAME})
 * @param outputKind       sigmoid, softmax or logits ({@value #FLAG_OUTPUT_KIND})
 * @param classNames       class names in output order ({@value #FLAG_CLASSES})
 * @param mergerClass      name of the merger class, one of the class names ({@value #FLAG_MERGER_CLASS})
 * @param modelName        model name stamped on scores ({@value #FLAG_MODEL_NAME})
 * @param modelVersion     model version stamped on scores ({@value #FLAG_MODEL_VERSION})
 */
public record ContractOverrides(String inputName, List<String> channels, Double pixelScaleArcsec,
                                ResampleMode resample, Normalisation normalisation, String outputName,
                                OutputKind outputKind, List<String> classNames, String mergerClass,
                                String modelName, String modelVersion) {

    public static final String FLAG_INPUT_NAME = "--input-name";
    public static final String FLAG_CHANNELS = "--channels";
    public static final String FLAG_PIXEL_SCALE = "--pixel-scale";
    public static final String FLAG_RESAMPLE = "--resample";
    public static final String FLAG_NORMALISATION = "--normalisation";
    public static final String FLAG_OUTPUT_NAME = "--output-name";
    public static final String FLAG_OUTPUT_KIND = "--output-kind";
    public static final String FLAG_CLASSES = "--classes";
    public static final String FLAG_MERGER_CLASS = "--merger-class";
    public static final String FLAG_MODEL_NAME = "--model-name";
    public static final String FLAG_MODEL_VERSION = "--model-version";

    public ContractOverrides {
        channels = channels == null ? null : List.copyOf(channels);
        classNames = classNames == null ? null : List.copyOf(classNames);
    }

    /** @return no overrides: the file's metadata and graph decide */
    public static ContractOverrides none() {
        return new ContractOverrides(null, null, null, null, null, null, null, null, null, null, null);
    }

    /** @param v input tensor name @return a copy with it set */
    public ContractOverrides withInputName(String v) {
        return new ContractOverrides(v, channels, pixelScaleArcsec, resample, normalisation, outputName,
                outputKind, classNames, mergerClass, modelName, modelVersion);
    }

    /** @param v band per channel @return a copy with it set */
    public ContractOverrides withChannels(List<String> v) {
        return new ContractOverrides(inputName, v, pixelScaleArcsec, resample, normalisation, outputName,
                outputKind, classNames, mergerClass, modelName, modelVersion);
    }

    /** @param v arcsec/px @return a copy with it set */
    public ContractOverrides withPixelScaleArcsec(Double v) {
        return new ContractOverrides(inputName, channels, v, resample, normalisation, outputName,
                outputKind, classNames, mergerClass, modelName, modelVersion);
    }

    /** @param v resample mode @return a copy with it set */
    public ContractOverrides withResample(ResampleMode v) {
        return new ContractOverrides(inputName, channels, pixelScaleArcsec, v, normalisation, outputName,
                outputKind, classNames, mergerClass, modelName, modelVersion);
    }

    /** @param v normalisation @return a copy with it set */
    public ContractOverrides withNormalisation(Normalisation v) {
        return new ContractOverrides(inputName, channels, pixelScaleArcsec, resample, v, outputName,
                outputKind, classNames, mergerClass, modelName, modelVersion);
    }

    /** @param v output tensor name @return a copy with it set */
    public ContractOverrides withOutputName(String v) {
        return new ContractOverrides(inputName, channels, pixelScaleArcsec, resample, normalisation, v,
                outputKind, classNames, mergerClass, modelName, modelVersion);
    }

    /** @param v output kind @return a copy with it set */
    public ContractOverrides withOutputKind(OutputKind v) {
        return new ContractOverrides(inputName, channels, pixelScaleArcsec, resample, normalisation, outputName,
                v, classNames, mergerClass, modelName, modelVersion);
    }

    /** @param v class names in output order @return a copy with it set */
    public ContractOverrides withClassNames(List<String> v) {
        return new ContractOverrides(inputName, channels, pixelScaleArcsec, resample, normalisation, outputName,
                outputKind, v, mergerClass, modelName, modelVersion);
    }

    /** @param v merger class name @return a copy with it set */
    public ContractOverrides withMergerClass(String v) {
        return new ContractOverrides(inputName, channels, pixelScaleArcsec, resample, normalisation, outputName,
                outputKind, classNames, v, modelName, modelVersion);
    }

    /** @param v model name @return a copy with it set */
    public ContractOverrides withModelName(String v) {
        return new ContractOverrides(inputName, channels, pixelScaleArcsec, resample, normalisation, outputName,
                outputKind, classNames, mergerClass, v, modelVersion);
    }

    /** @param v model version @return a copy with it set */
    public ContractOverrides withModelVersion(String v) {
        return new ContractOverrides(inputName, channels, pixelScaleArcsec, resample, normalisation, outputName,
                outputKind, classNames, mergerClass, modelName, v);
    }
}
