package org.deepmerge.training.explain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.gate.GateConfig;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.core.preprocess.Preprocessor;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.RotationResidual;
import org.deepmerge.training.eval.AlertEvaluation;
import org.deepmerge.training.eval.ContractImageFolder;
import org.deepmerge.training.train.ModelInfo;

/**
 * The inputs of a DL4J checkpoint, prepared as the model sees them, for {@code explain}: pictures through the core
 * {@link Preprocessor} with the checkpoint's contract ({@link ContractImageFolder}, as {@code evaluate} reads an
 * image folder for the exported model), alerts through the serving {@code CutoutPipeline} and applicability gate
 * ({@link AlertEvaluation#forEach}). The contract comes from the checkpoint's {@link ModelInfo} (channels, H x W,
 * normalisation) plus a pixel scale and resampling mode, which a checkpoint does not record: by default those
 * {@code export} uses (HLSP filters 0.1875"/px angular; pictures 0.396"/px fit), except for the one-channel
 * {@code any} models of {@code train --reobserve}, 1.2"/px angular ({@code --model-pixel-scale}'s default).
 * A checkpoint trained with {@code --rotation-residual} gets its residual channel appended after preprocessing,
 * as the exported graph computes it.
 */
public final class ExplainInputs {
    /** The --reobserve default model grid, arcsec/px. */
    public static final double REOBSERVE_PIXEL_SCALE = 1.2;

    private ExplainInputs() {
    }

    /**
     * One prepared input.
     *
     * @param id       image id or {@code objectId/sourceId}
     * @param location file or archive entry it came from
     * @param label    0/1, or null when unknown
     * @param image    {@code [C,H,W]} float32, the network input (with the residual channel, if the network has one)
     */
    public record Input(String id, String location, Integer label, float[] image) {
    }

    /**
     * @param inputs  prepared inputs, in input order
     * @param skipped what could not be prepared or the gate kept out, as {@code location: reason: message}
     */
    public record Prepared(List<Input> inputs, List<String> skipped) {
    }

    /**
     * @param info       checkpoint info
     * @param pixelScale model grid arcsec/px, or null for the default (see the class comment)
     * @param resample   resampling, or null for the default
     * @return the serving contract of the checkpoint's survey channels (without the residual channel)
     * @throws DeepMergeException INVALID_CONFIG for a malformed normalisation in the checkpoint
     */
    public static ModelContract contract(ModelInfo info, Double pixelScale, ResampleMode resample) throws DeepMergeException {
        List<String> channels = surveyChannels(info);
        boolean hlsp = channels.stream().allMatch(c -> c.matches("(?i)f\\d{3,4}[wmn]"));
        boolean reobserved = channels.equals(List.of(ChannelMapping.ANY_BAND));
        double scale = pixelScale != null ? pixelScale : hlsp ? 0.1875 : reobserved ? REOBSERVE_PIXEL_SCALE
                : ContractImageFolder.SDSS_PIXEL_SCALE;
        ResampleMode mode = resample != null ? resample : hlsp || reobserved ? ResampleMode.ANGULAR : ResampleMode.FIT;
        return new ModelContract("input", -1, channels, info.height(), info.width(), scale, mode,
                Normalisation.parse(info.normalisation()), "output", OutputKind.SIGMOID, List.of("non-merger", "merger"),
                1, info.architecture(), "checkpoint", Map.of());
    }

    /** @return whether the checkpoint's last channel is the derived rotation residual */
    static boolean hasResidual(ModelInfo info) {
        List<String> c = info.channels();
        return c.size() > 1 && c.get(c.size() - 1).equals(RotationResidual.CHANNEL);
    }

    private static List<String> surveyChannels(ModelInfo info) {
        List<String> c = info.channels();
        return hasResidual(info) ? c.subList(0, c.size() - 1) : c;
    }

    /**
     * Pictures or FITS images: a folder with {@code labels.csv} and {@code images/} (labelled, in CSV order), or any
     * folder of {@code .jpeg/.jpg/.png/.fits} files (unlabelled, in name order).
     *
     * @param dir             the folder
     * @param info            checkpoint info
     * @param contract        {@link #contract}
     * @param imagePixelScale pixel scale the pictures are taken to have, arcsec/px
     * @param idColumn        id column of labels.csv
     * @param labelColumn     label column of labels.csv
     * @param limit           at most this many, &lt;= 0 for all
     * @return the prepared inputs
     * @throws DeepMergeException IO_ERROR (no images), and what reading an image throws
     */
    public static Prepared images(Path dir, ModelInfo info, ModelContract contract, double imagePixelScale,
                                  String idColumn, String labelColumn, int limit) throws DeepMergeException {
        List<Input> out = new ArrayList<>();
        if (Files.isRegularFile(dir.resolve("labels.csv"))) {
            ImageDataset d = ContractImageFolder.read(dir, contract, idColumn, labelColumn, imagePixelScale, limit);
            int size = d.imageSize();
            for (int i = 0; i < d.size(); i++) {
                float[] x = new float[size];
                System.arraycopy(d.pixels(), (int) d.offset(i), x, 0, size);
                out.add(new Input(d.id(i), dir.resolve("images").resolve(d.id(i)).toString(), d.label(i),
                        withResidual(info, contract, x)));
            }
            return new Prepared(out, List.of());
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> Files.isRegularFile(p) && isImage(p)).sorted().toList();
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, dir + ": cannot list images: " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new DeepMergeException(Reason.IO_ERROR, dir + ": no labels.csv and no .jpeg/.jpg/.png/.fits images");
        }
        Preprocessor pre = new Preprocessor(contract);
        for (Path f : files.subList(0, limit > 0 ? Math.min(limit, files.size()) : files.size())) {
            float[] x = new float[contract.imageSize()];
            pre.toTensor(ContractImageFolder.stamps(f, contract.channels(), imagePixelScale), x, 0);
            String name = f.getFileName().toString();
            out.add(new Input(name.substring(0, name.indexOf('.') > 0 ? name.indexOf('.') : name.length()), f.toString(),
                    null, withResidual(info, contract, x)));
        }
        return new Prepared(out, List.of());
    }

    /**
     * Alerts through the serving pipeline and gate.
     *
     * @param inputs   alert files, directories, archives
     * @param info     checkpoint info
     * @param contract {@link #contract}
     * @param labels   labels by objectId/sourceId, or null
     * @param gate     the applicability gate
     * @param limit    at most this many prepared alerts, &lt;= 0 for all
     * @return the prepared alerts, and the rejected ones
     * @throws DeepMergeException IO_ERROR / INVALID_CONFIG when an input cannot be opened
     */
    public static Prepared alerts(List<Path> inputs, ModelInfo info, ModelContract contract, AlertEvaluation.Labels labels,
                                  GateConfig gate, int limit) throws DeepMergeException {
        List<Input> out = new ArrayList<>();
        List<AlertEvaluation.Rejected> rejected = new ArrayList<>();
        AlertEvaluation.forEach(inputs, contract, gate, rejected, (location, p) -> {
            if (limit <= 0 || out.size() < limit) {
                out.add(new Input(p.objectId() + "/" + p.sourceId(), location, labels == null ? null : labels.of(p.alert()),
                        withResidual(info, contract, p.image().clone())));
            }
        });
        List<String> skipped = rejected.stream().map(r -> r.location() + ": " + r.reason() + ": " + r.message()).toList();
        return new Prepared(out, skipped);
    }

    private static float[] withResidual(ModelInfo info, ModelContract contract, float[] x) {
        if (!hasResidual(info)) {
            return x;
        }
        int c = contract.channels().size();
        int plane = contract.height() * contract.width();
        float[] out = new float[(c + 1) * plane];
        System.arraycopy(x, 0, out, 0, c * plane);
        RotationResidual.residual(x, 0, c, contract.height(), contract.width(), new float[plane], out, c * plane);
        return out;
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".jpeg") || n.endsWith(".jpg") || n.endsWith(".png") || n.endsWith(".fits")
                || n.endsWith(".fit") || n.endsWith(".fits.gz");
    }
}
