package org.deepmerge.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchGraphCostTest {

    @TempDir
    Path tmp;

    @Test
    void countsConvAndGemmOfATinyNetByHand() throws Exception {
        ModelCost c = OnnxGraphCost.analyse(TinyConvNet.write(tmp.resolve("tiny.onnx"), -1));
        assertEquals(TinyConvNet.CONV_MACS, c.macsByOpType().get("Conv"));
        assertEquals(TinyConvNet.GEMM_MACS, c.macsByOpType().get("Gemm"));
        assertEquals(TinyConvNet.MACS, c.macsPerImage());
        assertEquals(TinyConvNet.PARAMETERS, c.parameters());
        assertTrue(c.complete(), c.uncounted().toString());
    }

    @Test
    void costIsPerImageWhateverTheFixedBatch() throws Exception {
        ModelCost c = OnnxGraphCost.analyse(TinyConvNet.write(tmp.resolve("tiny16.onnx"), 16));
        assertEquals(TinyConvNet.MACS, c.macsPerImage());
    }

    /**
     * The third-party PyTorch DeepMerge export [256,3,75,75], by hand: conv1 8@5x5 pad 2 on 3x75x75 =
     * 8*75*75*3*25 = 3,375,000; pool -> 37x37; conv2 16@3x3 = 16*37*37*8*9 = 1,577,088; pool -> 18x18; conv3 32@3x3
     * = 32*18*18*16*9 = 1,492,992; pool -> 9x9, view(N,-1) through Shape/Gather/Unsqueeze/Concat/Reshape = 2592;
     * Gemm 2592*64 + 64*32 + 32*2 = 168,000. Total 6,613,080.
     */
    @Test
    void countsTheThirdPartyDeepMergeExport() throws Exception {
        ModelCost c = OnnxGraphCost.analyse(TestData.require("models/deepmerge-da-pytorch-untrained.onnx"));
        assertEquals(3_375_000L + 1_577_088L + 1_492_992L, c.macsByOpType().get("Conv"));
        assertEquals(168_000L, c.macsByOpType().get("Gemm"));
        assertEquals(6_613_080L, c.macsPerImage());
        assertTrue(c.complete(), c.uncounted().toString());
    }

    @Test
    void dynamicBatchCopyHasASymbolicBatchDimension() throws Exception {
        Path copy = OnnxGraphCost.withDynamicBatch(TestData.require("models/deepmerge-da-pytorch-untrained.onnx"),
                tmp.resolve("dyn.onnx"));
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(copy));
        assertEquals("N", m.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
        assertEquals(3, m.getGraph().getInput(0).getType().getTensorType().getShape().getDim(1).getDimValue());
        for (var out : m.getGraph().getOutputList()) {
            assertEquals("N", out.getType().getTensorType().getShape().getDim(0).getDimParam(), out.getName());
        }
        assertEquals(6_613_080L, OnnxGraphCost.analyse(copy).macsPerImage());
    }

    @Test
    void rejectsAFileThatIsNotOnnx() throws Exception {
        Path junk = Files.write(tmp.resolve("junk.onnx"), new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0x00, 0x10});
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> OnnxGraphCost.analyse(junk));
        assertEquals(DeepMergeException.Reason.INVALID_MODEL, e.reason());
        assertTrue(e.getMessage().contains("junk.onnx"), e.getMessage());
        DeepMergeException missing = assertThrows(DeepMergeException.class,
                () -> OnnxGraphCost.analyse(tmp.resolve("absent.onnx")));
        assertEquals(DeepMergeException.Reason.IO_ERROR, missing.reason());
    }
}
