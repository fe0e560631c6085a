package org.deepmerge.training.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.platform.Fp16Conversions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.ImageFolderReader;
import org.deepmerge.training.data.Split;
import org.deepmerge.training.eval.Metrics;
import org.deepmerge.training.train.OnnxPredictor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Fp16Converter}: binary16 rounding by its definition, and the accuracy cost on the default model. */
class Fp16ConverterTest {
    private static final Path MODELS = Path.of(System.getProperty("user.dir")).resolveSibling("streams")
            .resolve("src/main/resources/models");

    /**
     * The conversion the converter uses, ONNX Runtime's {@link Fp16Conversions}: every binary16 value survives
     * float32 and back; the float32 midpoint between two neighbours rounds to the one with an even significand, and
     * a value just off the midpoint to the nearer one (IEEE 754-2008, 4.3.1). Guards an ONNX Runtime upgrade.
     */
    @Test
    void roundsToNearestEvenOverAllBinary16Values() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Fp16Conversions.fp16ToFloat((short) h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(Fp16Conversions.fp16ToFloat(Fp16Conversions.floatToFp16(f))), "NaN " + h);
                continue;
            }
            assertEquals(h, Fp16Conversions.floatToFp16(f) & 0xFFFF, "round trip of " + Integer.toHexString(h));
            int next = h + 1;
            if ((next & 0x7FFF) < 0x7C00 && (next & 0x8000) == (h & 0x8000)) {
                float g = Fp16Conversions.fp16ToFloat((short) next);
                float mid = (float) (((double) f + g) / 2);
                int even = (h & 1) == 0 ? h : next;
                assertEquals(even, Fp16Conversions.floatToFp16(mid) & 0xFFFF, "midpoint after " + Integer.toHexString(h));
                assertEquals(h, Fp16Conversions.floatToFp16(Math.nextAfter(mid, (double) f)) & 0xFFFF);
                assertEquals(next, Fp16Conversions.floatToFp16(Math.nextAfter(mid, (double) g)) & 0xFFFF);
            }
        }
    }

    /**
     * Edge values, bit for bit, as the hand-written converter this replaced gave them (it agreed with ONNX Runtime
     * on every non-NaN float32): signed zeros, subnormals and their ties, the largest subnormal and smallest normal,
     * 65504 and the overflow midpoint 65520, infinities, ties to even at 1 and 2048; NaN stays NaN.
     */
    @Test
    void edgeValuesBitForBit() {
        Object[][] cases = {{0f, 0x0000}, {-0f, 0x8000}, {Float.MIN_VALUE, 0x0000}, {0x1p-24f, 0x0001},
            {-0x1p-24f, 0x8001}, {0x1p-25f, 0x0000}, {0x1.8p-25f, 0x0001}, {0x1.8p-24f, 0x0002}, {0x1.4p-23f, 0x0002},
            {0x1.ff8p-15f, 0x03FF}, {0x1p-14f, 0x0400}, {0x1.ffcp-15f, 0x0400}, {65504f, 0x7BFF}, {65519f, 0x7BFF},
            {65520f, 0x7C00}, {70000f, 0x7C00}, {-65520f, 0xFC00}, {Float.POSITIVE_INFINITY, 0x7C00},
            {Float.NEGATIVE_INFINITY, 0xFC00}, {1f, 0x3C00}, {1.0004883f, 0x3C00}, {1.0014648f, 0x3C02},
            {2049f, 0x6800}, {2051f, 0x6802}, {-2051f, 0xE802}, {0.1f, 0x2E66}, {1e-9f, 0x0000}};
        for (Object[] c : cases) {
            float f = (Float) c[0];
            assertEquals((int) c[1], Fp16Conversions.floatToFp16(f) & 0xFFFF, Float.toHexString(f));
        }
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(Fp16Conversions.fp16ToFloat((short) 0x8000)));
        assertEquals(0x1p-24f, Fp16Conversions.fp16ToFloat((short) 0x0001));
        assertEquals(65504f, Fp16Conversions.fp16ToFloat((short) 0x7BFF));
        assertEquals(Float.NEGATIVE_INFINITY, Fp16Conversions.fp16ToFloat((short) 0xFC00));
        assertTrue(Float.isNaN(Fp16Conversions.fp16ToFloat(Fp16Conversions.floatToFp16(Float.NaN))));
        assertTrue(Float.isNaN(Fp16Conversions.fp16ToFloat((short) 0x7E00)));
    }

    /**
     * The float16 version of the embedded default model runs in ONNX Runtime (CPU) with the same float32 contract
     * and scores the held-out GZ1 split within 0.01 ROC AUC and 0.01 per probability of the float32 model.
     */
    @Test
    void float16DefaultModelScoresGz1LikeTheFloat32One(@TempDir Path tmp) throws Exception {
        Path fp32 = MODELS.resolve("deepmerge-default.onnx");
        Path fp16 = tmp.resolve("deepmerge-default-fp16.onnx");
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(fp32));
        Files.write(fp16, Fp16Converter.convert(model).toByteArray());
        assertTrue(Files.size(fp16) < 0.6 * Files.size(fp32), Files.size(fp16) + " vs " + Files.size(fp32) + " bytes");
        try (OnnxPredictor a = OnnxPredictor.prepared(fp32); OnnxPredictor b = OnnxPredictor.prepared(fp16)) {
            assertEquals(a.contract(), b.contract(), "the contract metadata is kept");
            ImageDataset gz1 = org.deepmerge.training.eval.ContractImageFolder.read(TestData.require("galaxies/gz1"),
                    a.contract(), "objid", "merger", org.deepmerge.training.eval.ContractImageFolder.SDSS_PIXEL_SCALE, 0);
            int[] test = Split.stratified(gz1.labels(), 0.7, 0.1, 42).test();
            float[] p32 = a.predict(gz1.gather(test), test.length);
            float[] p16 = b.predict(gz1.gather(test), test.length);
            int[] y = gz1.labels(test);
            double maxDiff = 0;
            for (int i = 0; i < p32.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(p32[i] - p16[i]));
            }
            double auc32 = Metrics.rocAuc(p32, y);
            double auc16 = Metrics.rocAuc(p16, y);
            System.out.printf("fp16 default model on GZ1 test (%d images): ROC AUC %.4f vs %.4f (fp32), Brier %.4f vs %.4f,"
                    + " max |dp| %.5f, %d vs %d bytes%n", test.length, auc16, auc32, Metrics.brier(p16, y),
                    Metrics.brier(p32, y), maxDiff, Files.size(fp16), Files.size(fp32));
            assertTrue(maxDiff > 0, "float16 rounding changes something (the conversion happened)");
            assertTrue(maxDiff < 0.01, "max |p16 - p32| = " + maxDiff);
            assertEquals(auc32, auc16, 0.01, "ROC AUC");
            assertEquals(List.of("any"), b.contract().channels());
        }
    }

    @Test
    void fp16CommandWritesTheCopyAndRefusesAMissingModel(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("m16.onnx");
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = org.deepmerge.training.cli.TrainCli.commandLine();
        cl.setErr(new java.io.PrintWriter(err));
        assertEquals(0, cl.execute("fp16", "--model", MODELS.resolve("deepmerge-default.onnx").toString(), "--out", out.toString()));
        OnnxMl.ModelProto m = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(out));
        assertTrue(m.getGraph().getInitializerList().stream().noneMatch(t -> t.getDataType() == OnnxMl.TensorProto.DataType.FLOAT.getNumber()),
                "no float32 weight left");
        assertEquals(2, cl.execute("fp16", "--model", tmp.resolve("absent.onnx").toString(), "--out", out.toString()));
        assertTrue(err.toString().contains("absent.onnx"), err.toString());
    }
}
