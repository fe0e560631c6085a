package org.deepmerge.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.core.DeepMergeException;
import org.junit.jupiter.api.Test;

/**
 * The live-pointer rules: which artifact is live after sequences of publish (plain and versioned keys), promote,
 * rollback and tombstones, and which records promote and rollback write.
 */
class ModelCatalogTest {
    private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");

    private static byte[] artifact(String version) throws DeepMergeException {
        byte[] onnx = ("onnx of " + version).getBytes(StandardCharsets.UTF_8);
        return ModelTopic.encode(ModelArtifact.newBuilder().setName("m").setVersion(version)
                .setSha256(ModelIdentity.sha256(onnx)).setOnnx(ByteBuffer.wrap(onnx)).setModelCardJson("{}")
                .setCreatedAt(NOW).setProducer("test").setContract(Map.of()).build());
    }

    private static String sha(String version) {
        return ModelIdentity.sha256(("onnx of " + version).getBytes(StandardCharsets.UTF_8));
    }

    private static void publishPlain(ModelCatalog c, String version) throws DeepMergeException {
        c.apply(ModelTopic.key("m"), artifact(version));
    }

    private static void publishVersion(ModelCatalog c, String version) throws DeepMergeException {
        c.apply(ModelTopic.versionKey("m", version), artifact(version));
    }

    private static void write(ModelCatalog c, List<ModelCatalog.Write> writes) {
        writes.forEach(w -> c.apply(w.key(), w.value()));
    }

    private static String live(ModelCatalog c) {
        ModelCatalog.Entry e = c.live("m").entry();
        return e == null ? null : e.version();
    }

    @Test
    void keysParseByKind() {
        assertEquals(new ModelTopic.Key(ModelTopic.Key.Kind.PLAIN, "m", null), ModelTopic.parseKey(ModelTopic.key("m")));
        assertEquals(new ModelTopic.Key(ModelTopic.Key.Kind.VERSION, "m", "1.2.0"),
                ModelTopic.parseKey(ModelTopic.versionKey("m", "1.2.0")));
        assertEquals(new ModelTopic.Key(ModelTopic.Key.Kind.LIVE, "m", null), ModelTopic.parseKey(ModelTopic.liveKey("m")));
        assertNull(ModelTopic.parseKey(null));
    }

    @Test
    void withoutPointerTheLatestPlainRecordIsLiveAsBefore() throws Exception {
        ModelCatalog c = new ModelCatalog();
        assertNull(live(c));
        publishPlain(c, "1");
        publishPlain(c, "2");
        assertEquals("2", live(c));
        publishVersion(c, "3");
        assertEquals("2", live(c), "a versioned artifact is a candidate, not live");
        assertEquals(List.of("3", "1", "2"), c.artifacts("m").stream().map(ModelCatalog.Entry::version).toList());
    }

    @Test
    void promoteThenRollbackThenRollbackAgain() throws Exception {
        ModelCatalog c = new ModelCatalog();
        publishPlain(c, "1");
        publishVersion(c, "2");
        publishVersion(c, "3");
        List<ModelCatalog.Write> w = c.promote("m", "2", NOW);
        // the plain v1 (live) is copied to m@1 so that compaction keeps it for the rollback, then the pointer
        assertEquals(List.of("m@1", "m#live"), w.stream().map(x -> new String(x.key(), StandardCharsets.UTF_8)).toList());
        write(c, w);
        assertEquals("2", live(c));
        assertEquals(sha("2"), c.live("m").pointer().getSha256());
        write(c, c.promote("m", "3", NOW));
        assertEquals("3", live(c));
        assertEquals(List.of("2", "1"), c.live("m").pointer().getPrevious().stream().map(r -> r.getVersion()).toList());
        assertEquals(List.of(), c.promote("m", "3", NOW), "promoting the live version writes nothing");

        write(c, c.rollback("m", NOW));
        assertEquals("2", live(c));
        assertEquals("rollback", c.live("m").pointer().getAction());
        write(c, c.rollback("m", NOW));
        assertEquals("1", live(c));
        DeepMergeException none = assertThrows(DeepMergeException.class, () -> c.rollback("m", NOW));
        assertTrue(none.getMessage().contains("no earlier live version"), none.getMessage());
    }

    @Test
    void pointerWinsOverLaterPlainPublishes() throws Exception {
        ModelCatalog c = new ModelCatalog();
        publishPlain(c, "1");
        write(c, c.promote("m", "1", NOW));
        publishPlain(c, "2"); // e.g. deepmerge-train publish after rollout control was taken up
        assertEquals("1", live(c));
        write(c, c.promote("m", "2", NOW));
        assertEquals("2", live(c));
        write(c, c.rollback("m", NOW));
        assertEquals("1", live(c));
    }

    @Test
    void rollbackWithoutPointerRestoresThePlainRecordBefore() throws Exception {
        ModelCatalog c = new ModelCatalog();
        publishPlain(c, "1");
        publishPlain(c, "2");
        write(c, c.rollback("m", NOW));
        assertEquals("1", live(c));
        assertTrue(c.artifacts("m").stream().anyMatch(e -> e.kind() == ModelTopic.Key.Kind.VERSION
                && e.version().equals("1")), "v1 kept under m@1");
        ModelCatalog single = new ModelCatalog();
        publishPlain(single, "1");
        assertThrows(DeepMergeException.class, () -> single.rollback("m", NOW));
    }

    @Test
    void pointerToAMissingArtifactLeavesNothingLiveAndSaysWhy() throws Exception {
        ModelCatalog c = new ModelCatalog();
        publishVersion(c, "1");
        publishVersion(c, "2");
        List<ModelCatalog.Write> w = c.promote("m", "2", NOW);
        c.apply(ModelTopic.versionKey("m", "2"), null); // tombstone
        write(c, w);
        assertNull(c.live("m").entry());
        assertTrue(c.live("m").problem().contains("not on the topic"), c.live("m").problem());
        publishVersion(c, "2");
        assertEquals("2", live(c), "the pointer resolves once the artifact arrives (other partition, later)");
        c.apply(ModelTopic.liveKey("m"), null);
        assertNull(c.live("m").pointer());
    }

    @Test
    void unknownVersionAndUndecodableRecords() throws Exception {
        ModelCatalog c = new ModelCatalog();
        publishVersion(c, "1");
        c.apply(ModelTopic.versionKey("m", "2"), new byte[] {1, 2, 3});
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> c.promote("m", "9", NOW));
        assertTrue(e.getMessage().contains("no version 9") && e.getMessage().contains("[1, 2]"), e.getMessage());
        assertThrows(DeepMergeException.class, () -> c.promote("m", "2", NOW));
        c.apply(ModelTopic.liveKey("m"), new byte[] {4});
        assertTrue(c.live("m").problem().contains("does not decode"), c.live("m").problem());
    }

    @Test
    void historyIsBounded() throws Exception {
        ModelCatalog c = new ModelCatalog();
        for (int v = 0; v < ModelCatalog.MAX_HISTORY + 5; v++) {
            publishVersion(c, Integer.toString(v));
            write(c, c.promote("m", Integer.toString(v), NOW));
        }
        assertEquals(ModelCatalog.MAX_HISTORY, c.live("m").pointer().getPrevious().size());
    }

    @Test
    void shadowPointerIsSetReplacedAndClearedWithoutTouchingLive() throws Exception {
        ModelCatalog c = new ModelCatalog();
        publishVersion(c, "1");
        write(c, c.promote("m", "1", NOW));
        publishPlain(c, "2");
        assertNull(c.shadow("m").entry());
        assertEquals(List.of(), c.clearShadow("m"), "nothing to clear");
        List<ModelCatalog.Write> set = c.shadow("m", "2", NOW);
        assertEquals(2, set.size(), "the plain artifact is kept under m@2, then the pointer");
        assertEquals(ModelTopic.Key.Kind.VERSION, ModelTopic.parseKey(set.get(0).key()).kind());
        assertEquals(new ModelTopic.Key(ModelTopic.Key.Kind.SHADOW, "m", null), ModelTopic.parseKey(set.get(1).key()));
        write(c, set);
        assertEquals("2", c.shadow("m").entry().version());
        assertEquals(sha("2"), c.shadow("m").pointer().getSha256());
        assertEquals("shadow", c.shadow("m").pointer().getAction());
        assertEquals("1", live(c), "the shadow never changes what is live");
        assertEquals(List.of(), c.shadow("m", "2", NOW), "already the shadow");
        assertThrows(DeepMergeException.class, () -> c.shadow("m", "9", NOW));
        List<ModelCatalog.Write> clear = c.clearShadow("m");
        assertEquals(1, clear.size());
        assertNull(clear.get(0).value(), "a tombstone");
        write(c, clear);
        assertNull(c.shadow("m").pointer());
        assertEquals("1", live(c));
        c.apply(ModelTopic.shadowKey("m"), new byte[] {4});
        assertTrue(c.shadow("m").problem().contains("does not decode"), c.shadow("m").problem());
    }

    @Test
    void promotingTheShadowVersionEndsItsShadowRun() throws Exception {
        ModelCatalog c = new ModelCatalog();
        publishVersion(c, "1");
        write(c, c.promote("m", "1", NOW));
        publishVersion(c, "2");
        publishVersion(c, "3");
        write(c, c.shadow("m", "2", NOW));
        write(c, c.promote("m", "3", NOW));
        assertEquals("2", c.shadow("m").entry().version(), "promoting another version keeps the shadow");
        List<ModelCatalog.Write> w = c.promote("m", "2", NOW);
        assertEquals(new ModelTopic.Key(ModelTopic.Key.Kind.LIVE, "m", null), ModelTopic.parseKey(w.get(w.size() - 2).key()));
        assertEquals(new ModelTopic.Key(ModelTopic.Key.Kind.SHADOW, "m", null), ModelTopic.parseKey(w.get(w.size() - 1).key()));
        assertNull(w.get(w.size() - 1).value(), "the shadow pointer's tombstone follows the live pointer");
        write(c, w);
        assertEquals("2", live(c));
        assertNull(c.shadow("m").pointer());
        DeepMergeException self = assertThrows(DeepMergeException.class, () -> c.shadow("m", "2", NOW));
        assertTrue(self.getMessage().contains("is the live version"), self.getMessage());
    }

    @Test
    void rollingBackOntoTheShadowVersionEndsItsShadowRun() throws Exception {
        ModelCatalog c = new ModelCatalog();
        publishVersion(c, "1");
        publishVersion(c, "2");
        write(c, c.promote("m", "1", NOW));
        write(c, c.promote("m", "2", NOW));
        write(c, c.shadow("m", "1", NOW));
        List<ModelCatalog.Write> w = c.rollback("m", NOW);
        assertNull(w.get(w.size() - 1).value(), "the shadow pointer's tombstone follows the live pointer");
        write(c, w);
        assertEquals("1", live(c));
        assertNull(c.shadow("m").pointer());
    }

    @Test
    void aShadowNeedsALiveModelToBeComparedWith() throws Exception {
        ModelCatalog c = new ModelCatalog();
        publishVersion(c, "1");
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> c.shadow("m", "1", NOW));
        assertTrue(e.getMessage().contains("has no live version"), e.getMessage());
    }
}
