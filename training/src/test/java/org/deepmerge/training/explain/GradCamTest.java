package org.deepmerge.training.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.training.network.Architecture;
import org.deepmerge.training.network.Networks;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Grad-CAM on a network that learned what a "merger" looks like: a merger image has a compact blob (anywhere in
 * training), a non-merger only noise. After training, the merger map of a merger whose blob sits in the top-left
 * quadrant must peak there, on the blob, and follow the blob to the bottom-right quadrant. The criterion can fail:
 * the non-merger class's map of the same images must fail it (the wrong class's gradient), and
 * {@link #bilinearResizeKeepsConstantsAndInterpolates} checks the gradient weighting by hand (equal channel weights,
 * i.e. activations alone, give a different map there). A finite-difference test proves the inference-mode
 * back-propagation itself through batch normalisation, max pooling, dropout and softmax dense layers.
 */
class GradCamTest {
    private static final int SIZE = 24;
    private static final int N_TEST = 6;
    private static MultiLayerNetwork trained;
    /** N_TEST mergers with the blob top-left, then N_TEST with the blob bottom-right. */
    private static float[] positives;
    private static double[][] blobs;

    /** One image {@code [1,SIZE,SIZE]}: noise, plus a blob centred at (bx, by) for a merger. */
    private static void image(float[] dest, int offset, boolean merger, double bx, double by, Random rng) {
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                double v = merger ? Math.exp(-((x - bx) * (x - bx) + (y - by) * (y - by)) / (2 * 1.5 * 1.5)) : 0;
                dest[offset + y * SIZE + x] = (float) (v + 0.05 * rng.nextGaussian());
            }
        }
    }

    @BeforeAll
    static void train() throws Exception {
        Nd4j.getRandom().setSeed(11);
        Random rng = new Random(3);
        int n = 256;
        float[] x = new float[n * SIZE * SIZE];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            image(x, i * SIZE * SIZE, i % 2 == 1, 3 + rng.nextDouble() * (SIZE - 7), 3 + rng.nextDouble() * (SIZE - 7), rng);
        }
        DataSet ds = new DataSet(Nd4j.create(x, new long[] {n, 1, SIZE, SIZE}, 'c'), Nd4j.create(y, new long[] {n, 1}, 'c'));
        trained = Networks.build(Architecture.DEEPSHADOWS, 1, SIZE, SIZE, 3e-3, 7);
        for (int epoch = 0; epoch < 6; epoch++) {
            ds.shuffle(epoch);
            for (DataSet b : ds.batchBy(32)) {
                trained.fit(b);
            }
        }
        positives = new float[2 * N_TEST * SIZE * SIZE];
        float[] negatives = new float[N_TEST * SIZE * SIZE];
        blobs = new double[2 * N_TEST][];
        Random test = new Random(99);
        for (int i = 0; i < 2 * N_TEST; i++) {
            double c = i < N_TEST ? SIZE * 0.2 : SIZE * 0.8;
            blobs[i] = new double[] {c + (test.nextDouble() - 0.5) * 3, c + (test.nextDouble() - 0.5) * 3};
            image(positives, i * SIZE * SIZE, true, blobs[i][0], blobs[i][1], test);
        }
        for (int i = 0; i < N_TEST; i++) {
            image(negatives, i * SIZE * SIZE, false, 0, 0, test);
        }
        // precondition: the network tells the classes apart, else there is nothing to explain
        INDArray pp = trained.output(Nd4j.create(positives, new long[] {2 * N_TEST, 1, SIZE, SIZE}, 'c'), false);
        INDArray pn = trained.output(Nd4j.create(negatives, new long[] {N_TEST, 1, SIZE, SIZE}, 'c'), false);
        assertTrue(pp.minNumber().doubleValue() > 0.8 && pn.maxNumber().doubleValue() < 0.2,
                "network did not learn the synthetic task: positives " + pp + ", negatives " + pn);
    }

    /**
     * The corner criterion: the map is not all zero, its argmax lies in the blob's quadrant (top-left or
     * bottom-right), the quadrant's mean exceeds the opposite quadrant's, and the map at the blob's centre is at
     * least half its maximum.
     */
    private static boolean peaksOnTheBlob(float[] map, double[] blob) {
        boolean topLeft = blob[0] < SIZE / 2.0;
        double tl = 0;
        double br = 0;
        int best = 0;
        for (int p = 0; p < map.length; p++) {
            int r = p / SIZE;
            int c = p % SIZE;
            if (r < SIZE / 2 && c < SIZE / 2) {
                tl += map[p];
            } else if (r >= SIZE / 2 && c >= SIZE / 2) {
                br += map[p];
            }
            if (map[p] > map[best]) {
                best = p;
            }
        }
        boolean argTopLeft = best / SIZE < SIZE / 2 && best % SIZE < SIZE / 2;
        boolean argBottomRight = best / SIZE >= SIZE / 2 && best % SIZE >= SIZE / 2;
        float atBlob = map[(int) Math.round(blob[1]) * SIZE + (int) Math.round(blob[0])];
        return map[best] > 0 && (topLeft ? argTopLeft && tl > br : argBottomRight && br > tl) && atBlob >= 0.5f * map[best];
    }

    private static String show(GradCam.Map m) {
        return java.util.Arrays.toString(m.coarse());
    }

    @Test
    void mergerMapPeaksWhereTheMergerSignalIs() throws Exception {
        GradCam cam = new GradCam(trained, null);
        assertEquals("conv3", cam.layerName());
        List<GradCam.Map> maps = cam.explain(positives, 2 * N_TEST, 1, SIZE, SIZE);
        for (int i = 0; i < 2 * N_TEST; i++) {
            GradCam.Map m = maps.get(i);
            assertTrue(m.probability() > 0.8, "p " + m.probability());
            assertTrue(peaksOnTheBlob(m.map(), blobs[i]), "merger " + i + ": map does not peak on the blob: " + show(m));
        }
    }

    @Test
    void theWrongClassFailsTheCriterion() throws Exception {
        GradCam cam = new GradCam(trained, null);
        List<GradCam.Map> wrong = cam.explain(positives, 2 * N_TEST, 1, SIZE, SIZE, GradCam.Target.NON_MERGER);
        for (int i = 0; i < 2 * N_TEST; i++) {
            assertFalse(peaksOnTheBlob(wrong.get(i).map(), blobs[i]),
                    "merger " + i + ": the non-merger map peaks on the blob too: " + show(wrong.get(i)));
        }
    }

    @Test
    void shapesAndNormalisation() throws Exception {
        GradCam cam = new GradCam(trained, null);
        int n = 2 * N_TEST;
        List<GradCam.Map> maps = cam.explain(positives, n, 1, SIZE, SIZE);
        assertEquals(n, maps.size());
        INDArray probs = trained.output(Nd4j.create(positives, new long[] {n, 1, SIZE, SIZE}, 'c'), false);
        for (int i = 0; i < n; i++) {
            GradCam.Map m = maps.get(i);
            assertEquals(SIZE * SIZE, m.map().length);
            assertEquals(SIZE, m.height());
            assertEquals(SIZE, m.width());
            // conv3 of DeepShadows after two 2x2 poolings: 24 -> 12 -> 6
            assertEquals(6, m.coarseHeight());
            assertEquals(6 * 6, m.coarse().length);
            float max = 0;
            for (float v : m.map()) {
                assertTrue(v >= 0 && v <= 1, "map value " + v);
                max = Math.max(max, v);
            }
            assertEquals(1f, max, 1e-6f);
            assertTrue(m.peak() > 0);
            assertEquals(probs.getDouble(i, 0), m.probability(), 1e-5);
            assertEquals(probs.getDouble(i, 0), 1 / (1 + Math.exp(-m.logit())), 1e-5);
        }
        // one image explained alone gives the same map as in a batch
        float[] first = java.util.Arrays.copyOf(positives, SIZE * SIZE);
        assertArrayEquals(maps.get(0).map(), cam.explain(first, 1, 1, SIZE, SIZE).get(0).map(), 1e-5f);

        assertThrows(DeepMergeException.class, () -> cam.explain(first, 2, 1, SIZE, SIZE));
        DeepMergeException unknown = assertThrows(DeepMergeException.class, () -> new GradCam(trained, "conv9"));
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, unknown.reason());
        assertTrue(unknown.getMessage().contains("conv3"), unknown.getMessage());
        DeepMergeException flat = assertThrows(DeepMergeException.class,
                () -> new GradCam(trained, "dense1").explain(first, 1, 1, SIZE, SIZE));
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, flat.reason());
        // an earlier layer works and has its own resolution
        assertEquals(12, new GradCam(trained, "conv2").explain(first, 1, 1, SIZE, SIZE).get(0).coarseHeight());
    }

    @Test
    void bilinearResizeKeepsConstantsAndInterpolates() {
        float[] c = GradCam.bilinear(new float[] {2, 2, 2, 2}, 2, 2, 5, 7);
        for (float v : c) {
            assertEquals(2f, v, 1e-6f);
        }
        // 1x2 -> 1x4 with pixel centres aligned: 0 0.25 0.75 1 of the way
        assertArrayEquals(new float[] {0f, 0.25f, 0.75f, 1f}, GradCam.bilinear(new float[] {0, 1}, 1, 2, 1, 4), 1e-6f);
        // Grad-CAM of hand-made activations: alpha = channel mean of the gradients, ReLU of the weighted sum
        float[] acts = {1, 0, 0, 1, /* channel 2 */ 0, 2, 2, 0};
        float[] grads = {1, 1, 1, 1, /* alpha 2 = -0.5 */ -1, 0, 0, -1};
        assertArrayEquals(new float[] {1, 0, 0, 1}, GradCam.camOf(acts, grads, 0, 2, 4), 1e-6f);
        // activations alone (every alpha 1) would give {1, 2, 2, 1}; the wrong class (alphas negated) {0, 1, 1, 0}
        float[] negated = {-1, -1, -1, -1, 1, 0, 0, 1};
        assertArrayEquals(new float[] {0, 1, 1, 0}, GradCam.camOf(acts, negated, 0, 2, 4), 1e-6f);
    }

    /**
     * The back-propagated dy/dA equals the finite-difference derivative of the merger logit, in double precision,
     * through DeepMerge's batch normalisation, max pooling, dropout and softmax dense layers (untrained weights with
     * perturbed BN statistics, so BN is not the identity), for the last and an earlier conv layer.
     */
    @Test
    void gradientsMatchFiniteDifferencesInInferenceMode() throws Exception {
        MultiLayerNetwork net = Networks.build(Architecture.DEEPMERGE, 2, 16, 16, 1e-3, 5).convertDataType(DataType.DOUBLE);
        Random rng = new Random(5);
        for (int i = 0; i < net.getnLayers(); i++) {
            for (var e : net.getLayer(i).paramTable().entrySet()) {
                if (e.getKey().equals("mean") || e.getKey().equals("beta") || e.getKey().equals("gamma")) {
                    e.getValue().addi(Nd4j.rand(DataType.DOUBLE, e.getValue().shape()).subi(0.5));
                }
            }
        }
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 2, 16, 16);
        for (String layerName : List.of("conv3", "conv2")) {
            GradCam cam = new GradCam(net, layerName);
            GradCam.Pass pass = cam.activationsAndGradients(x, GradCam.Target.MERGER);
            INDArray a = pass.activations();
            INDArray g = pass.gradients();
            for (int k = 0; k < 3; k++) {
                assertEquals(pass.logits()[k], logitFrom(net, cam.layerIndex(), a).getDouble(k), 1e-9);
            }
            for (int trial = 0; trial < 3; trial++) {
                // zeros of the ReLU stay unperturbed: a pooling window of tied zeros has no derivative (finite
                // differences would measure the kink), and Grad-CAM's activations there are zero anyway
                INDArray v = Nd4j.randn(DataType.DOUBLE, a.shape()).muli(a.neq(0).castTo(DataType.DOUBLE));
                double h = 1e-5;
                INDArray up = logitFrom(net, cam.layerIndex(), a.add(v.mul(h)));
                INDArray down = logitFrom(net, cam.layerIndex(), a.sub(v.mul(h)));
                for (int k = 0; k < 3; k++) {
                    double numeric = (up.getDouble(k) - down.getDouble(k)) / (2 * h);
                    double analytic = g.get(org.nd4j.linalg.indexing.NDArrayIndex.point(k)).mul(
                            v.get(org.nd4j.linalg.indexing.NDArrayIndex.point(k))).sumNumber().doubleValue();
                    assertEquals(numeric, analytic, 1e-5 * Math.max(1, Math.abs(numeric)),
                            layerName + " image " + k + " trial " + trial);
                }
                assertTrue(g.norm2Number().doubleValue() > 0, "zero gradient");
            }
            // the non-merger score of a sigmoid head is -logit: the gradient flips sign
            INDArray neg = cam.activationsAndGradients(x, GradCam.Target.NON_MERGER).gradients();
            assertEquals(0, neg.add(g).norm2Number().doubleValue(), 1e-12);
        }
    }

    /** The merger logit from the target layer's activations on, in inference mode (an independent forward pass). */
    private static INDArray logitFrom(MultiLayerNetwork net, int layer, INDArray activations) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        INDArray a = activations.dup();
        int n = (int) a.size(0);
        int last = net.getnLayers() - 1;
        for (int i = layer + 1; i <= last; i++) {
            InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(i);
            if (pre != null) {
                a = pre.preProcess(a, n, mgr);
            }
            if (i == last) {
                Layer out = net.getLayer(i);
                return a.mmul(out.getParam("W")).addiRowVector(out.getParam("b")).getColumn(0);
            }
            a = net.getLayer(i).activate(a, false, mgr).dup();
        }
        throw new IllegalStateException();
    }
}
