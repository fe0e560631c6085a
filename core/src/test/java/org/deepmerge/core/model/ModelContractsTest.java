package org.deepmerge.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.junit.jupiter.api.Test;

class ModelContractsTest {
    /** The signature of deepmerge-da-pytorch-untrained.onnx. */
    static final GraphSignature THIRD_PARTY = new GraphSignature(
            Map.of("Galaxy Array", List.of(256L, 3L, 75L, 75L)),
            linked("52", List.of(256L, 2L), "Merger or Not", List.of(256L, 2592L)));
    static final GraphSignature DYNAMIC_SIGMOID = new GraphSignature(
            Map.of("images", List.of(-1L, 2L, 75L, 75L)), Map.of("p", List.of(-1L, 1L)));

    static Map<String, List<Long>> linked(String k1, List<Long> v1, String k2, List<Long> v2) {
        Map<String, List<Long>> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    static DeepMergeException fails(Map<String, String> md, GraphSignature g, ContractOverrides o) {
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> ModelContracts.resolve(md, g, o, "m", "0"));
        assertEquals(Reason.INVALID_MODEL, e.reason());
        return e;
    }

    @Test
    void inferredFromAGraphWithDefaults() throws Exception {
        ModelContract c = ModelContracts.resolve(Map.of(), DYNAMIC_SIGMOID, ContractOverrides.none(), "file-stem", "7");
        assertEquals("images", c.inputName());
        assertEquals(-1, c.batchSize());
        assertEquals(List.of("ch0", "ch1"), c.channels());
        assertEquals(75, c.height());
        assertEquals(75, c.width());
        assertEquals(0.1875, c.pixelScaleArcsec());
        assertEquals(ResampleMode.ANGULAR, c.resample());
        assertEquals(Normalisation.none(), c.normalisation());
        assertEquals("p", c.outputName());
        assertEquals(OutputKind.SIGMOID, c.outputKind());
        assertEquals(List.of("non-merger", "merger"), c.classNames());
        assertEquals(1, c.mergerClass());
        assertEquals("file-stem", c.modelName());
        assertEquals("7", c.modelVersion());
    }

    @Test
    void overridesBeatMetadataWhichBeatsTheGraph() throws Exception {
        Map<String, String> md = Map.of(ModelContract.KEY_OUTPUT_NAME, "Merger or Not", ModelContract.KEY_OUTPUT_KIND,
                "softmax", ModelContract.KEY_CHANNELS, "a,b,c", ModelContract.KEY_PIXEL_SCALE, "0.396",
                ModelContract.KEY_MODEL_NAME, "from-metadata", "onnx.other", "kept");
        ContractOverrides o = ContractOverrides.none().withOutputName("52").withOutputKind(OutputKind.LOGITS)
                .withPixelScaleArcsec(0.2).withModelVersion("2.0").withNormalisation(Normalisation.asinh(3f))
                .withResample(ResampleMode.FIT).withClassNames(List.of("merger", "other")).withMergerClass("merger");
        ModelContract c = ModelContracts.resolve(md, THIRD_PARTY, o, "stem", "0");
        assertEquals("Galaxy Array", c.inputName());
        assertEquals(256, c.batchSize());
        assertEquals("52", c.outputName());
        assertEquals(OutputKind.LOGITS, c.outputKind());
        assertEquals(List.of("a", "b", "c"), c.channels());
        assertEquals(0.2, c.pixelScaleArcsec());
        assertEquals("from-metadata", c.modelName());
        assertEquals("2.0", c.modelVersion());
        assertEquals(ResampleMode.FIT, c.resample());
        assertEquals(0, c.mergerClass());
        assertEquals(Map.of("onnx.other", "kept"), c.extra());
    }

    @Test
    void toMetadataRoundTrips() throws Exception {
        ModelContract c = new ModelContract("images", -1, List.of("F814W", "F160W"), 75, 75, 0.1875, ResampleMode.ANGULAR,
                Normalisation.standardize(List.of(0.5f, 1.5f), List.of(2f, 3f)), "p", OutputKind.SIGMOID,
                List.of("non-merger", "merger"), 1, "deepmerge-cnn", "1.0.0",
                Map.of(ModelContract.KEY_TRAINING_FINGERPRINT, "sha256:123", ModelContract.KEY_PRODUCER, "deepmerge 0.1"));
        Map<String, String> md = c.toMetadata();
        assertEquals("-1,2,75,75", md.get(ModelContract.KEY_INPUT_SHAPE));
        assertEquals("merger", md.get(ModelContract.KEY_MERGER_CLASS));
        assertEquals(c, ModelContracts.resolve(md, DYNAMIC_SIGMOID, ContractOverrides.none(), "x", "y"));
        ModelContract asinh = new ModelContract("Galaxy Array", 256, List.of("g", "r", "i"), 75, 75, 1.012,
                ResampleMode.FIT, Normalisation.asinh(0.25f), "52", OutputKind.LOGITS, List.of("merger", "non-merger"), 0,
                "n", "v", Map.of());
        assertEquals(asinh, ModelContracts.resolve(asinh.toMetadata(), THIRD_PARTY, ContractOverrides.none(), "x", "y"));
        ModelContract display = new ModelContract("Galaxy Array", 256, List.of("g", "r", "i"), 75, 75, 1.012,
                ResampleMode.FIT, Normalisation.display(0.05f), "52", OutputKind.LOGITS, List.of("merger", "non-merger"), 0,
                "n", "v", Map.of());
        Map<String, String> dm = display.toMetadata();
        assertEquals("display", dm.get(ModelContract.KEY_NORMALISATION));
        assertEquals("0.05", dm.get(ModelContract.KEY_NORM_SOFTENING));
        assertEquals(display, ModelContracts.resolve(dm, THIRD_PARTY, ContractOverrides.none(), "x", "y"));
    }

    @Test
    void missingValuesNameTheKeyAndTheFlag() {
        DeepMergeException out = fails(Map.of(), THIRD_PARTY, ContractOverrides.none());
        assertTrue(out.getMessage().contains(ModelContract.KEY_OUTPUT_NAME) && out.getMessage().contains("--output-name"),
                out.getMessage());
        DeepMergeException kind = fails(Map.of(), THIRD_PARTY, ContractOverrides.none().withOutputName("52"));
        assertTrue(kind.getMessage().contains(ModelContract.KEY_OUTPUT_KIND) && kind.getMessage().contains("--output-kind"),
                kind.getMessage());
        GraphSignature twoInputs = new GraphSignature(linked("a", List.of(1L, 1L, 4L, 4L), "b", List.of(1L, 1L, 4L, 4L)),
                Map.of("p", List.of(1L)));
        DeepMergeException in = fails(Map.of(), twoInputs, ContractOverrides.none());
        assertTrue(in.getMessage().contains(ModelContract.KEY_INPUT_NAME) && in.getMessage().contains("--input-name"),
                in.getMessage());
        GraphSignature dynamicC = new GraphSignature(Map.of("x", List.of(-1L, -1L, 75L, 75L)), Map.of("p", List.of(-1L, 1L)));
        DeepMergeException ch = fails(Map.of(), dynamicC, ContractOverrides.none());
        assertTrue(ch.getMessage().contains(ModelContract.KEY_CHANNELS) && ch.getMessage().contains("--channels"),
                ch.getMessage());
        GraphSignature fiveClasses = new GraphSignature(Map.of("x", List.of(-1L, 1L, 75L, 75L)), Map.of("p", List.of(-1L, 5L)));
        DeepMergeException cl = fails(Map.of(), fiveClasses, ContractOverrides.none().withOutputKind(OutputKind.SOFTMAX));
        assertTrue(cl.getMessage().contains(ModelContract.KEY_CLASSES) && cl.getMessage().contains("--classes"),
                cl.getMessage());
        DeepMergeException std = fails(Map.of(ModelContract.KEY_NORMALISATION, "standardize",
                ModelContract.KEY_NORM_MEAN, "1,2"), DYNAMIC_SIGMOID, ContractOverrides.none());
        assertTrue(std.getMessage().contains(ModelContract.KEY_NORM_STD), std.getMessage());
    }

    @Test
    void inconsistentValuesAreRejected() {
        fails(Map.of(), THIRD_PARTY, ContractOverrides.none().withOutputName("52").withOutputKind(OutputKind.LOGITS)
                .withChannels(List.of("g", "r")));
        fails(Map.of(), THIRD_PARTY, ContractOverrides.none().withOutputName("nope"));
        fails(Map.of(), THIRD_PARTY, ContractOverrides.none().withInputName("nope"));
        fails(Map.of(), THIRD_PARTY, ContractOverrides.none().withOutputName("52").withOutputKind(OutputKind.SIGMOID));
        fails(Map.of(ModelContract.KEY_INPUT_SHAPE, "256,3,64,64"), THIRD_PARTY, ContractOverrides.none()
                .withOutputName("52").withOutputKind(OutputKind.LOGITS));
        fails(Map.of(), THIRD_PARTY, ContractOverrides.none().withOutputName("52").withOutputKind(OutputKind.LOGITS)
                .withMergerClass("spiral"));
        fails(Map.of(ModelContract.KEY_OUTPUT_KIND, "probit"), DYNAMIC_SIGMOID, ContractOverrides.none());
        fails(Map.of(ModelContract.KEY_PIXEL_SCALE, "-1"), DYNAMIC_SIGMOID, ContractOverrides.none());
        fails(Map.of(), DYNAMIC_SIGMOID, ContractOverrides.none().withNormalisation(
                Normalisation.standardize(List.of(1f), List.of(1f))));
    }

    private static GraphSignature input(long n, long c, long h, long w) {
        return new GraphSignature(Map.of("x", List.of(n, c, h, w)), Map.of("p", List.of(-1L, 1L)));
    }

    @Test
    void anInputTooLargeToScoreIsAnInvalidModelNamingItsShape() throws Exception {
        // 3 x 50000 x 50000 used to overflow the int element count (ArithmeticException, a stack trace)
        DeepMergeException e = fails(Map.of(), input(-1, 3, 50_000, 50_000), ContractOverrides.none());
        assertTrue(e.getMessage().contains("[-1, 3, 50000, 50000]") && e.getMessage().contains("4096"), e.getMessage());
        // the largest side the stamp decoder accepts is accepted, one pixel more is not
        ModelContract max = ModelContracts.resolve(Map.of(), input(-1, 3, 4096, 4096), ContractOverrides.none(), "m", "0");
        assertEquals(3 * 4096 * 4096, max.imageSize());
        fails(Map.of(), input(-1, 1, 4097, 64), ContractOverrides.none());
        fails(Map.of(), input(-1, 1, 64, 4097), ContractOverrides.none());
        // C*H*W above 2^26 floats; a channel count or fixed batch that does not fit an int
        fails(Map.of(), input(-1, 5, 4096, 4096), ContractOverrides.none());
        fails(Map.of(), input(-1, 1L << 40, 75, 75), ContractOverrides.none());
        fails(Map.of(), input(1L << 40, 3, 75, 75), ContractOverrides.none());
        // the metadata can declare the dimensions the graph leaves dynamic: the same limits apply
        e = fails(Map.of(ModelContract.KEY_INPUT_SHAPE, "-1,3,50000,50000"), input(-1, 3, -1, -1), ContractOverrides.none());
        assertTrue(e.getMessage().contains("[-1, 3, 50000, 50000]"), e.getMessage());
    }
}
