package org.deepmerge.streams.hotswap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.streams.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shadow slot's life cycle with real ONNX Runtime sessions: set, replace under a lease, clear, close. */
class ShadowSlotTest {
    @TempDir
    Path dir;

    private OnnxScorer open(String version) throws Exception {
        Path f = TestModels.meanSigmoid(dir.resolve(version + ".onnx"), 0.01f, version);
        return OnnxScorer.open(f, ScorerOptions.defaults(), ContractOverrides.none());
    }

    @Test
    void aReplacedShadowFinishesItsBatchAndIsClosedAfterIt() throws Exception {
        OnnxScorer a = open("1");
        OnnxScorer b = open("2");
        float[] image = new float[a.contract().imageSize()];
        try (ShadowSlot slot = new ShadowSlot()) {
            assertTrue(slot.acquire().isEmpty(), "no shadow yet");
            assertNull(slot.set(a, dir.resolve("1.onnx")));
            ScorerHolder.Lease lease = slot.acquire().orElseThrow();
            assertEquals(dir.resolve("1.onnx"), slot.set(b, dir.resolve("2.onnx")), "the replaced shadow's file");
            assertEquals(1, lease.scorer().score(image, 1).size(), "the leased batch still runs on 1");
            lease.close();
            assertThrows(DeepMergeException.class, () -> a.score(image, 1), "1 closed after its last lease");
            assertEquals("2", slot.identity().orElseThrow().version());
            assertEquals(dir.resolve("2.onnx"), slot.clear());
            assertTrue(slot.acquire().isEmpty() && slot.identity().isEmpty());
            assertThrows(DeepMergeException.class, () -> b.score(image, 1), "a cleared shadow no batch uses is closed");
            slot.close();
            OnnxScorer c = open("3");
            assertNull(slot.set(c, null));
            assertTrue(slot.identity().isEmpty(), "a closed slot takes no shadow");
            assertThrows(DeepMergeException.class, () -> c.score(image, 1), "and closes the one offered");
        }
    }
}
