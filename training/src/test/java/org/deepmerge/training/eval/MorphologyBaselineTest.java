package org.deepmerge.training.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.preprocess.Preprocessor;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.Split;
import org.deepmerge.training.testing.TinyGalaxies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The morphology random forest on generated galaxies whose mergers carry a second, offset galaxy (so they are
 * asymmetric), and its side-by-side report with the asymmetry baseline and a model.
 */
class MorphologyBaselineTest {
    private static final int SIZE = 32;
    private static final MorphologyFeatures.InputView VIEW = new MorphologyFeatures.InputView(1, SIZE, SIZE, 1, "none", 1.0);
    private static final List<MorphologyForest.Params> GRID = MorphologyForest.grid(List.of(15), List.of(3, 0),
            List.of(0.5f), List.of(2f));

    @TempDir
    Path tmp;

    static ImageDataset data;
    static Split split;
    static MorphologyBaseline fitted;

    @BeforeAll
    static void fit() throws Exception {
        data = TinyGalaxies.make(160, 40, 1, SIZE, 21);
        split = Split.stratified(data.labels(), 0.5, 0.25, 4);
        fitted = MorphologyBaseline.fit(data, split.train(), split.validation(), VIEW, GRID, 9, c -> { });
    }

    @Test
    void forestSeparatesAsymmetricMergersOnHeldOutImages() throws Exception {
        Evaluator.Result r = new Evaluator(100, 1).evaluate("rf", fitted.forest(), data, split.test());
        assertTrue(r.report().rocAuc().value() > 0.9, r.report().toString());
        assertEquals(2, fitted.grid().size());
        assertTrue(fitted.grid().stream().anyMatch(c -> c.params().equals(fitted.forest().params())));
        assertEquals(MorphologyFeatures.NAMES.size(), fitted.importances().size());
        double failed = fitted.importances().stream().filter(i -> i.feature().equals("segmentation_failed")).findFirst()
                .orElseThrow().aucDrop();
        assertEquals(0.0, failed, 1e-12, "every generated galaxy is measured, so the indicator is constant");
    }

    @Test
    void permutationImportanceFindsTheOneInformativeFeature() throws Exception {
        Random rng = new Random(8);
        int n = 300;
        double[][] x = new double[n][];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 4 == 0 ? 1 : 0;
            x[i] = new double[MorphologyFeatures.NAMES.size()];
            for (int f = 0; f < x[i].length - 1; f++) {
                x[i][f] = rng.nextGaussian();
            }
            x[i][1] += 1.5 * y[i];
        }
        MorphologyForest.Table train = new MorphologyForest.Table(Arrays.copyOfRange(x, 0, 200), Arrays.copyOfRange(y, 0, 200));
        MorphologyForest.Table held = new MorphologyForest.Table(Arrays.copyOfRange(x, 200, n), Arrays.copyOfRange(y, 200, n));
        MorphologyForest f = MorphologyForest.train(train, new MorphologyForest.Params(50, 4, 0.5f, 2f), VIEW, 3);
        List<MorphologyForest.Importance> imp = f.permutationImportance(held, 5, 4);
        assertEquals("asymmetry", imp.get(0).feature(), imp.toString());
        assertTrue(imp.get(0).aucDrop() > 0.1 && imp.get(1).aucDrop() < 0.05, imp.toString());
    }

    @Test
    void testPartPlaysNoPartInTheFit() throws Exception {
        float[] poisoned = data.pixels().clone();
        Random rng = new Random(5);
        for (int i : split.test()) {
            for (int k = 0; k < data.imageSize(); k++) {
                poisoned[(int) data.offset(i) + k] = (float) (rng.nextGaussian() * 100);
            }
        }
        ImageDataset other = new ImageDataset(poisoned, data.labels(), data.channelNames(), SIZE, SIZE, null, "poisoned");
        MorphologyBaseline again = MorphologyBaseline.fit(other, split.train(), split.validation(), VIEW, GRID, 9, c -> { });
        assertEquals(fitted.grid(), again.grid(), "same validation scores with other test images");
        assertEquals(fitted.importances(), again.importances());
        assertEquals(fitted.asymmetry().slope(), again.asymmetry().slope());
        double[][] x = MorphologyFeatures.measure(data, split.test(), VIEW);
        assertArrayEquals(fitted.forest().probabilities(x), again.forest().probabilities(x));
    }

    @Test
    void savedFitLoadsAndRefusesOtherInputs() throws Exception {
        fitted.save(tmp.resolve("rf"));
        MorphologyBaseline back = MorphologyBaseline.load(tmp.resolve("rf"));
        float[] images = data.gather(split.test());
        assertArrayEquals(fitted.forest().predict(images, split.test().length), back.forest().predict(images, split.test().length));
        assertArrayEquals(fitted.asymmetry().predict(images, split.test().length), back.asymmetry().predict(images, split.test().length));
        assertEquals(fitted.forest().params(), back.forest().params());
        MorphologyFeatures.InputView coarser = new MorphologyFeatures.InputView(1, SIZE, SIZE, 1, "none", 2.0);
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> back.forest().view().requireSame(coarser));
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, e.reason());
        assertTrue(e.getMessage().contains("inputs 1x32x32 at 1\"/px, none but these inputs are 1x32x32 at 2\"/px, none"),
                "inputs described for people, not as a record: " + e.getMessage());
        assertEquals("2x40x40 (1 survey channel) at 1.2\"/px, survey:0.1",
                new MorphologyFeatures.InputView(2, 40, 40, 1, "survey:0.1", 1.2).toString());
        MorphologyBaseline negative = new MorphologyBaseline(back.forest(), AsymmetryBaseline.fitted(1, SIZE, SIZE, 0.5,
                10.154, -5.158), back.grid(), back.importances(), 1, 0, 1, 0, "x");
        assertTrue(String.join("\n", negative.describe()).contains("p = sigmoid(10.154 A - 5.158)"), negative.describe().toString());
        Files.writeString(tmp.resolve("rf").resolve(MorphologyBaseline.FOREST_FILE), "not a forest");
        assertEquals(DeepMergeException.Reason.IO_ERROR,
                assertThrows(DeepMergeException.class, () -> MorphologyBaseline.load(tmp.resolve("rf"))).reason());
    }

    @Test
    void reportPutsModelAsymmetryAndForestInOneTableWithPairedDifferences() throws Exception {
        // a stand-in "CNN": the true label blurred with noise, so it is better than chance but not perfect
        Random rng = new Random(3);
        int[] idx = split.test();
        float[] fake = new float[data.size()];
        for (int i = 0; i < fake.length; i++) {
            fake[i] = (float) Math.min(1, Math.max(0, 0.3 + 0.4 * data.label(i) + 0.2 * rng.nextGaussian()));
        }
        org.deepmerge.training.train.Predictor cnn = new org.deepmerge.training.train.Predictor() {
            private int next;

            @Override
            public float[] predict(float[] images, int n) {
                float[] out = new float[n];
                for (int k = 0; k < n; k++) {
                    out[k] = fake[idx[next++]];
                }
                return out;
            }
        };
        Evaluator ev = new Evaluator(200, 7);
        Evaluator.Result r = ev.evaluate("cnn", cnn, data, idx);
        BaselineComparison.Outcome o = BaselineComparison.compare(r, fitted, VIEW, data, idx, ev, 200, 7, tmp);
        ReportWriter.write(tmp, r, data, null, o.baselines(), List.of("test"), o.json(), o.md());
        String md = Files.readString(tmp.resolve("report.md"));
        for (String row : List.of("| cnn | " + idx.length, "| asymmetry | " + idx.length, "| morphology-rf | " + idx.length,
                "| cnn - morphology-rf |", "| cnn - asymmetry |", "| morphology-rf - asymmetry |")) {
            assertTrue(md.contains(row), row + " in\n" + md);
        }
        Map<?, ?> json = new ObjectMapper().readValue(tmp.resolve("report.json").toFile(), Map.class);
        assertEquals(2, ((List<?>) json.get("baselines")).size());
        assertEquals(3, ((List<?>) json.get("paired_differences")).size());
        Map<?, ?> diff = (Map<?, ?>) ((List<?>) json.get("paired_differences")).get(1);
        assertEquals(r.report().rocAuc().value() - o.baselines().get(1).report().rocAuc().value(),
                ((Number) diff.get("roc_auc_diff")).doubleValue(), 1e-12);
        assertTrue(Files.size(tmp.resolve(BaselineComparison.GINI_M20_FIGURE)) > 1000);
        assertTrue(md.contains("permutation importance"));
    }

    @Test
    void pairedBootstrapOfAPredictorWithItselfIsExactlyZero() {
        float[] p = {0.1f, 0.8f, 0.4f, 0.9f, 0.2f, 0.7f};
        int[] y = {0, 1, 0, 1, 0, 0};
        PairedDifference d = Bootstrap.paired("a", p, "b", p.clone(), y, 0.5, 100, 1);
        for (MetricValue v : List.of(d.accuracy(), d.brier())) {
            assertEquals(0.0, v.value());
            assertEquals(0.0, v.ciLow());
            assertEquals(0.0, v.ciHigh());
        }
        float[] perfect = {0f, 1f, 0f, 1f, 0f, 0f};
        float[] wrong = {1f, 0f, 1f, 0f, 1f, 1f};
        PairedDifference w = Bootstrap.paired("perfect", perfect, "wrong", wrong, y, 0.5, 100, 1);
        assertEquals(1.0, w.accuracy().value(), 1e-12);
        assertTrue(w.rocAuc().ciLow() > 0.5 && w.brier().ciHigh() < 0, w.toString());
    }

    @Test
    void featuresAreTheSameBeforeAndAfterTheSurveyStretch() throws Exception {
        float[] raw = data.gather(new int[] {0});
        float[] stretched = raw.clone();
        Normalisation survey = Normalisation.survey(0.1f);
        Preprocessor.normaliseImage(stretched, 0, 1, SIZE, SIZE, survey);
        double[] direct = MorphologyFeatures.measure(raw, 1, VIEW)[0];
        double[] undone = MorphologyFeatures.measure(stretched, 1,
                new MorphologyFeatures.InputView(1, SIZE, SIZE, 1, survey.spec(), 1.0))[0];
        // the stretch subtracts the border sky (a few hundredths here) before scaling, so agreement is close, not exact
        for (int f = 0; f < direct.length; f++) {
            assertEquals(direct[f], undone[f], 0.03 * Math.max(1, Math.abs(direct[f])), MorphologyFeatures.NAMES.get(f));
        }
        assertTrue(Math.abs(MorphologyFeatures.measure(stretched, 1, VIEW)[0][MorphologyFeatures.GINI] - direct[MorphologyFeatures.GINI]) > 0.05,
                "measured on the stretched pixels, Gini differs: the undoing matters");
    }
}
