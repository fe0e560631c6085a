package org.deepmerge.training.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.preprocess.Preprocessor;
import org.deepmerge.training.data.Datasets;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.ImageFolderReader;
import org.deepmerge.training.data.RotationResidual;
import org.deepmerge.training.data.Split;
import org.deepmerge.training.train.SplitFile;
import picocli.CommandLine.Option;

/** Dataset and split options shared by the subcommands. */
public final class DataOptions {
    @Option(names = "--data", description = "Folder with labels.csv + images/, an HLSP .fits file, or an HLSP images .npy file (required).")
    Path data;

    @Option(names = "--channels", split = ",", description = "HLSP filters to use, in order (default: all), e.g. F814W,F160W.")
    List<String> channels;

    @Option(names = "--id-column", defaultValue = "objid", description = "Image-folder id column (default: ${DEFAULT-VALUE}).")
    String idColumn;

    @Option(names = "--label-column", defaultValue = "merger", description = "Image-folder 0/1 label column (default: ${DEFAULT-VALUE}).")
    String labelColumn;

    @Option(names = "--colour", defaultValue = "GRI", description = "Image-folder colour pictures as GRI (3 channels g,r,i) or GREY (default: ${DEFAULT-VALUE}).")
    ImageFolderReader.Colour colour;

    @Option(names = "--image-size", defaultValue = "75", description = "Image-folder output size in pixels, H = W (default: ${DEFAULT-VALUE}).")
    int imageSize;

    @Option(names = "--limit", defaultValue = "0", description = "Image folders: read only the first N rows (default: all).")
    int limit;

    @Option(names = "--split-seed", defaultValue = "42", description = "Seed of the stratified split (default: ${DEFAULT-VALUE}).")
    long splitSeed;

    @Option(names = "--train-fraction", defaultValue = "0.7", description = "Training fraction (default: ${DEFAULT-VALUE}).")
    double trainFraction;

    @Option(names = "--val-fraction", defaultValue = "0.1", description = "Validation fraction; the rest is test (default: ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(names = "--split", description = "Use the split in this split.json (from a training run) instead of a new one.")
    Path splitFile;

    @Option(names = "--rotation-residual", description = "Append the rotational-asymmetry residual |G - rot180(G)| of the"
            + " channel mean as an extra input channel (exported models compute it from the survey channels).")
    boolean rotationResidual;

    @Option(names = "--normalisation", defaultValue = "none", paramLabel = "SPEC", description = "Input normalisation"
            + " applied to every image with the core preprocessor and written into the model contract: none, display:FRACTION"
            + " (per-image colour-preserving asinh stretch to [0,1], e.g. display:0.05), asinh:SOFTENING or"
            + " standardize:M0,..:S0,.. (default: ${DEFAULT-VALUE}). Give the same value to evaluate for a DL4J checkpoint.")
    String normalisation;

    /** @return the dataset */
    ImageDataset load() throws DeepMergeException {
        requireData();
        ImageDataset d = Datasets.open(data, channels, new ImageFolderReader.Options(idColumn, labelColumn, colour, imageSize,
                imageSize, limit));
        Normalisation n = normalisation();
        if (n.kind() != Normalisation.Kind.NONE) {
            int plane = d.height() * d.width();
            for (int i = 0; i < d.size(); i++) {
                Preprocessor.normaliseImage(d.pixels(), (int) d.offset(i), d.channels(), plane, n);
            }
        }
        return rotationResidual ? RotationResidual.append(d) : d;
    }

    /**
     * @throws DeepMergeException INVALID_CONFIG when {@code --data} is missing (it is optional only for
     *                            {@code evaluate --alerts})
     */
    void requireData() throws DeepMergeException {
        if (data == null) {
            throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG, "--data is required");
        }
    }

    /**
     * @return the parsed {@code --normalisation}
     * @throws DeepMergeException INVALID_CONFIG for a malformed spec
     */
    Normalisation normalisation() throws DeepMergeException {
        return Normalisation.parse(normalisation);
    }

    /**
     * @param d           the dataset
     * @param fingerprint its fingerprint (checked against split.json)
     * @return --split if given, else the seeded stratified split
     */
    Split split(ImageDataset d, String fingerprint) throws DeepMergeException {
        if (splitFile != null) {
            return SplitFile.read(splitFile, fingerprint, d.size());
        }
        return Split.stratified(d.labels(), trainFraction, valFraction, splitSeed);
    }

    /**
     * @param modelFile a checkpoint
     * @return split.json beside it, if any
     */
    static Path besideModel(Path modelFile) {
        Path p = modelFile.toAbsolutePath().getParent().resolve("split.json");
        return Files.isRegularFile(p) ? p : null;
    }
}
