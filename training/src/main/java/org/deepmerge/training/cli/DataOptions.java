package org.deepmerge.training.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.preprocess.Preprocessor;
import org.deepmerge.training.data.Datasets;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.training.data.ImageFolderReader;
import org.deepmerge.training.data.ReobservedDataset;
import org.deepmerge.training.data.Reobserver;
import org.deepmerge.training.data.RotationResidual;
import org.deepmerge.training.data.Split;
import org.deepmerge.training.train.SplitFile;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
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

    @Option(names = "--reobserve", paramLabel = "SURVEY", description = "Image folders: re-observe each gri composite as a"
            + " survey alert stamp (ztf: 63x63 at 1.012\"/px, one random band, seeing, flux, sky and noise drawn at random,"
            + " random flips/rotations/shifts for both classes) and preprocess it with the serving preprocessor for a"
            + " one-channel 'any' contract of --image-size px at --model-pixel-scale, --resample angular and --normalisation"
            + " (docs/science.md).")
    String reobserve;

    @Option(names = "--copies", defaultValue = "4", description = "--reobserve: re-observations per training galaxy (default: ${DEFAULT-VALUE}).")
    int copies;

    @Option(names = "--eval-copies", defaultValue = "1", description = "--reobserve: re-observations per validation/test galaxy (default: ${DEFAULT-VALUE}).")
    int evalCopies;

    @Option(names = "--negatives", defaultValue = "0", description = "--reobserve: extra galaxy-free non-merger stamps (blank sky,"
            + " star fields) as a fraction of the training and validation rows (default: ${DEFAULT-VALUE}).")
    double negatives;

    @Option(names = "--model-pixel-scale", defaultValue = "1.2", description = "--reobserve: the model grid's pixel scale, arcsec/px (default: ${DEFAULT-VALUE}).")
    double modelPixelScale;

    @Option(names = "--reobserve-seed", defaultValue = "7", description = "--reobserve: seed of the observing conditions (default: ${DEFAULT-VALUE}).")
    long reobserveSeed;

    private Split reobservedSplit;

    /** @return the dataset */
    ImageDataset load() throws DeepMergeException {
        requireData();
        if (reobserve != null) {
            ModelContract contract = new ModelContract("input", -1, List.of(ChannelMapping.ANY_BAND), imageSize, imageSize,
                    modelPixelScale, ResampleMode.ANGULAR, normalisation(), "output", OutputKind.SIGMOID,
                    List.of("non-merger", "merger"), 1, "training", "0", java.util.Map.of());
            Reobserver r;
            try {
                r = new Reobserver(Reobserver.Survey.parse(reobserve), Reobserver.Conditions.defaults());
            } catch (IllegalArgumentException e) {
                throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG, "--reobserve: " + e.getMessage(), e);
            }
            ReobservedDataset.Result res = ReobservedDataset.build(data, new ImageFolderReader.Options(idColumn, labelColumn,
                    colour, imageSize, imageSize, limit), contract, r, copies, evalCopies, trainFraction, valFraction,
                    splitSeed, reobserveSeed, negatives);
            reobservedSplit = res.split();
            return rotationResidual ? RotationResidual.append(res.data()) : res.data();
        }
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
     * Makes {@code --data} a required option of a command that always reads it, so the usage line shows it as such
     * and picocli reports it missing before anything else. The option stays bound to this mixin's field; it is
     * optional in the mixin itself because {@code evaluate --alerts} and {@code calibrate --alerts} do without it.
     *
     * @param command a command that has this mixin
     */
    static void requireDataOption(CommandSpec command) {
        OptionSpec o = command.findOption("--data");
        command.remove(o);
        command.addOption(OptionSpec.builder(o).required(true).build());
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
        if (reobservedSplit != null && splitFile == null) {
            return reobservedSplit;
        }
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
