package org.deepmerge.training.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.preprocess.Preprocessor;
import org.deepmerge.training.data.ImageFolderReader;
import org.deepmerge.training.data.Reobserver;
import org.deepmerge.training.data.Split;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deepmerge-train invariance}: how much an ONNX model's merger probability moves under transformations that
 * must not change a galaxy's class: the 7 non-trivial flips/90-degree rotations, and for survey-normalised models the
 * flux scale (x10, x0.1) and an added sky level. Images are one band (SDSS r, the green plane) of a gri image folder
 * presented as stamps at {@code --image-pixel-scale} and prepared by the serving {@link Preprocessor} per the model's
 * contract. Prints, per transformation, the mean and largest |delta p| over the chosen split part.
 */
@Command(name = "invariance", mixinStandardHelpOptions = true,
        description = "Mean and largest change of p(merger) under flips, rotations, flux scaling and sky, through the serving preprocessing.")
public final class InvarianceCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "ONNX model with a one-channel contract.")
    Path model;

    @Option(names = "--data", required = true, description = "Image folder (labels.csv + images/), gri composites.")
    Path data;

    @Option(names = "--part", defaultValue = "test", description = "test | validation | train | all (default: ${DEFAULT-VALUE}).")
    String part;

    @Option(names = "--split-seed", defaultValue = "42", description = "Seed of the stratified split (default: ${DEFAULT-VALUE}).")
    long splitSeed;

    @Option(names = "--image-pixel-scale", defaultValue = "0.396", description = "Pixel scale assumed for the pictures, arcsec/px (default: ${DEFAULT-VALUE}, SDSS).")
    double imagePixelScale;

    @Override
    public Integer call() throws Exception {
        List<ImageFolderReader.Entry> entries = ImageFolderReader.entries(data, ImageFolderReader.Options.defaults());
        int[] labels = entries.stream().mapToInt(ImageFolderReader.Entry::label).toArray();
        Split split = Split.stratified(labels, Split.DEFAULT_TRAIN, Split.DEFAULT_VALIDATION, splitSeed);
        int[] rows = split.part(part, entries.size());
        try (OnnxScorer scorer = OnnxScorer.open(model, ScorerOptions.defaults(), null)) {
            ModelContract contract = scorer.contract();
            if (contract.channelCount() != 1) {
                throw new DeepMergeException(Reason.INVALID_MODEL, model + ": invariance needs a one-channel model, channels "
                        + contract.channels());
            }
            Preprocessor pre = new Preprocessor(contract);
            Map<String, double[]> stats = new LinkedHashMap<>();
            String[] names = {"flip x", "flip y", "rot180", "transpose", "rot90", "rot270", "anti-transpose",
                    "flux x10", "flux x0.1", "sky +100"};
            for (String n : names) {
                stats.put(n, new double[2]);
            }
            int size = contract.imageSize();
            for (int g : rows) {
                Stamp r = ImageFolderReader.load(entries.get(g).file(), ImageFolderReader.Colour.GRI).get(1);
                Stamp base = new Stamp(r.width(), r.height(), r.pixels(), imagePixelScale, 0);
                List<Stamp> variants = new ArrayList<>();
                variants.add(base);
                for (int code = 1; code < 8; code++) {
                    variants.add(with(base, Reobserver.orient(base.pixels(), base.width(), base.height(), code)));
                }
                variants.add(affine(base, 10f, 0f));
                variants.add(affine(base, 0.1f, 0f));
                variants.add(affine(base, 1f, 100f));
                float[] x = new float[variants.size() * size];
                for (int v = 0; v < variants.size(); v++) {
                    pre.toTensor(List.of(variants.get(v)), x, v * size);
                }
                List<Prediction> p = scorer.score(x, variants.size());
                for (int v = 1; v < variants.size(); v++) {
                    double d = Math.abs(p.get(v).pMerger() - p.get(0).pMerger());
                    double[] s = stats.get(names[v - 1]);
                    s[0] += d;
                    s[1] = Math.max(s[1], d);
                }
            }
            System.out.printf(Locale.ROOT, "%s on %d images of the %s part of %s (one band, %.3f\"/px):%n",
                    contract.modelName(), rows.length, part, data, imagePixelScale);
            System.out.println("| transformation | mean abs change of p | largest |");
            System.out.println("|---|---|---|");
            for (Map.Entry<String, double[]> e : stats.entrySet()) {
                System.out.printf(Locale.ROOT, "| %s | %.4f | %.4f |%n", e.getKey(), e.getValue()[0] / rows.length, e.getValue()[1]);
            }
        }
        return 0;
    }

    private static Stamp with(Stamp s, float[] pixels) {
        return new Stamp(s.width(), s.height(), pixels, s.pixelScaleArcsec(), 0);
    }

    private static Stamp affine(Stamp s, float a, float c) {
        float[] p = s.pixels().clone();
        for (int i = 0; i < p.length; i++) {
            p[i] = p[i] * a + c;
        }
        return with(s, p);
    }
}
