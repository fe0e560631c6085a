package org.deepmerge.core.model;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.avro.v1.ModelLive;
import org.deepmerge.avro.v1.ModelRef;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * What the model topic says, record by record ({@link ModelTopic}): the artifacts of every model and which one is
 * live; Kafka-free, so that the rollout rules are one piece of code that the {@code deepmerge models} commands and the
 * scorer's follower share and that tests exercise directly.
 *
 * <p><b>Which artifact is live.</b> With a live pointer ({@code <name>#live}) the artifact it names (same version and
 * SHA-256; a {@code <name>@<version>} record first, else a plain {@code <name>} record still on the topic); if that
 * artifact is not there (yet) nothing is live and {@link Live#problem()} says why. Without a pointer the latest plain
 * {@code <name>} record (the original protocol: publishing makes a version live). A null value is a tombstone: it
 * removes the artifact or the pointer.
 *
 * <p><b>Promote and rollback</b> return the records to write, in order. Promote copies the target and the current
 * live artifact to their {@code <name>@<version>} keys if they are only under the plain key (compaction would drop
 * them once a newer plain record arrives), then writes a pointer whose {@code previous} list starts with the current
 * live version. Rollback writes a pointer to {@code previous[0]} with the rest of the list; without a pointer it
 * restores the plain record before the latest (if the topic still holds it).
 *
 * <p>The catalog keeps the record values of the models it is fed (the artifacts' ONNX bytes): the follower feeds it
 * only its own model's records.
 */
public final class ModelCatalog {
    /** Earlier live versions a pointer remembers. */
    public static final int MAX_HISTORY = 10;

    /**
     * One artifact record.
     *
     * @param name      model name
     * @param version   version (from the record, or from the key when the value does not decode; null when neither)
     * @param sha256    SHA-256 the record declares (null when it does not decode)
     * @param createdAt publication time (null when it does not decode)
     * @param onnxBytes size of the ONNX file, bytes (-1 when it does not decode)
     * @param kind      the key it came under ({@link ModelTopic.Key.Kind#PLAIN} or {@link ModelTopic.Key.Kind#VERSION})
     * @param value     the record value, as read
     * @param problem   why it does not decode, else null
     */
    public record Entry(String name, String version, String sha256, Instant createdAt, long onnxBytes,
                        ModelTopic.Key.Kind kind, byte[] value, String problem) {
        /** @return true when the value decoded as a ModelArtifact */
        public boolean decoded() {
            return problem == null;
        }
    }

    /**
     * The live state of one model.
     *
     * @param entry   the live artifact, or null
     * @param pointer the live pointer, or null (original protocol)
     * @param problem why a pointer resolves to no artifact, else null
     */
    public record Live(Entry entry, ModelLive pointer, String problem) {
    }

    /**
     * A record to produce.
     *
     * @param key   record key
     * @param value record value
     * @param what  one line for people, e.g. {@code live pointer -> 2 (sha256 ab12...)}
     */
    public record Write(byte[] key, byte[] value, String what) {
    }

    private static final class Model {
        final Map<String, Entry> versioned = new LinkedHashMap<>();
        /** Plain records still on the topic as read, oldest first (compaction leaves only the last). */
        final List<Entry> plain = new ArrayList<>();
        final Pointer live = new Pointer();
        final Pointer shadow = new Pointer();
    }

    /** A pointer record ({@code #live} or {@code #shadow}) as last read. */
    private static final class Pointer {
        ModelLive value;
        String problem;

        void apply(String name, String suffix, byte[] record) {
            value = null;
            problem = null;
            if (record != null) {
                try {
                    value = ModelTopic.decodeLive(record);
                } catch (DeepMergeException e) {
                    problem = "the pointer " + name + suffix + " does not decode: " + e.getMessage();
                }
            }
        }

        boolean absent() {
            return value == null && problem == null;
        }
    }

    private final Map<String, Model> models = new TreeMap<>();

    /**
     * Applies one record in topic order.
     *
     * @param key   record key (records without one are ignored)
     * @param value record value (null = tombstone)
     */
    public void apply(byte[] key, byte[] value) {
        ModelTopic.Key k = ModelTopic.parseKey(key);
        if (k == null) {
            return;
        }
        Model m = models.computeIfAbsent(k.name(), n -> new Model());
        switch (k.kind()) {
            case LIVE -> m.live.apply(k.name(), ModelTopic.LIVE_SUFFIX, value);
            case SHADOW -> m.shadow.apply(k.name(), ModelTopic.SHADOW_SUFFIX, value);
            case VERSION -> {
                if (value == null) {
                    m.versioned.remove(k.version());
                } else {
                    m.versioned.put(k.version(), entry(k, value));
                }
            }
            case PLAIN -> {
                if (value == null) {
                    m.plain.clear();
                } else {
                    m.plain.add(entry(k, value));
                }
            }
            default -> throw new IllegalStateException(k.kind().toString());
        }
    }

    private static Entry entry(ModelTopic.Key k, byte[] value) {
        try {
            ModelArtifact a = ModelTopic.decode(value);
            String problem = a.getName().equals(k.name()) && (k.version() == null || a.getVersion().equals(k.version()))
                    ? null : "the record of key " + k.name() + (k.version() == null ? "" : "@" + k.version())
                    + " holds model " + a.getName() + " " + a.getVersion();
            ByteBuffer onnx = a.getOnnx();
            return new Entry(k.name(), problem == null ? a.getVersion() : k.version(), a.getSha256(), a.getCreatedAt(),
                    onnx == null ? -1 : onnx.remaining(), k.kind(), value, problem);
        } catch (DeepMergeException e) {
            return new Entry(k.name(), k.version(), null, null, -1, k.kind(), value, e.getMessage());
        }
    }

    /** @return names of the models with any record, sorted */
    public Set<String> names() {
        return models.keySet();
    }

    /**
     * @param name model name
     * @return its artifacts: every {@code <name>@<version>} record, then the plain records not already listed under
     *         the same version and SHA-256
     */
    public List<Entry> artifacts(String name) {
        Model m = models.get(name);
        if (m == null) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>(m.versioned.values());
        for (Entry p : m.plain) {
            if (out.stream().noneMatch(e -> same(e, p.version(), p.sha256()))) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * @param name model name
     * @return the live artifact and pointer of the model (all null when the topic says nothing about it)
     */
    public Live live(String name) {
        Model m = models.get(name);
        if (m == null) {
            return new Live(null, null, null);
        }
        if (m.live.absent()) {
            return new Live(m.plain.isEmpty() ? null : m.plain.get(m.plain.size() - 1), null, null);
        }
        return resolve(m, m.live, name, "live");
    }

    /**
     * @param name model name
     * @return the model's shadow candidate: the artifact the shadow pointer names, and the pointer; all null when the
     *         model has no shadow pointer; {@link Live#problem()} when the pointer does not decode or names an
     *         artifact the topic does not hold
     */
    public Live shadow(String name) {
        Model m = models.get(name);
        return m == null || m.shadow.absent() ? new Live(null, null, null) : resolve(m, m.shadow, name, "shadow");
    }

    private static Live resolve(Model m, Pointer p, String name, String what) {
        if (p.problem != null) {
            return new Live(null, null, p.problem);
        }
        Optional<Entry> e = find(m, p.value.getVersion(), p.value.getSha256());
        return new Live(e.orElse(null), p.value, e.isPresent() ? null : "the " + what + " pointer names " + name + " "
                + p.value.getVersion() + " (sha256 " + p.value.getSha256() + "), which is not on the topic");
    }

    private static Optional<Entry> find(Model m, String version, String sha256) {
        Entry v = m.versioned.get(version);
        if (v != null && same(v, version, sha256)) {
            return Optional.of(v);
        }
        for (int i = m.plain.size() - 1; i >= 0; i--) {
            if (same(m.plain.get(i), version, sha256)) {
                return Optional.of(m.plain.get(i));
            }
        }
        return Optional.empty();
    }

    private static boolean same(Entry e, String version, String sha256) {
        return e.decoded() && Objects.equals(e.version(), version) && e.sha256() != null
                && e.sha256().equalsIgnoreCase(sha256);
    }

    /**
     * The records that make a version live.
     *
     * @param name    model name
     * @param version the version to serve
     * @param now     pointer time
     * @return the records to write in order; empty when that artifact is already live and not the shadow. Promoting
     *         the shadow version ends its shadow run: the shadow pointer's tombstone follows the live pointer (a model
     *         compared with itself tells nothing)
     * @throws DeepMergeException INVALID_CONFIG when the topic has no decodable artifact of that version
     */
    public List<Write> promote(String name, String version, Instant now) throws DeepMergeException {
        Model m = models.get(name);
        Entry target = target(name, version);
        Live live = live(name);
        List<Write> endShadow = endShadowAt(name, target.version(), target.sha256());
        if (live.entry() != null && same(live.entry(), target.version(), target.sha256()) && live.pointer() != null) {
            return endShadow;
        }
        List<Write> out = new ArrayList<>();
        keep(m, target, out);
        List<ModelRef> previous = new ArrayList<>();
        if (live.entry() != null && live.entry().decoded()) {
            keep(m, live.entry(), out);
            previous.add(new ModelRef(live.entry().version(), live.entry().sha256()));
        }
        if (live.pointer() != null) {
            previous.addAll(live.pointer().getPrevious());
        }
        Entry t = target;
        previous.removeIf(r -> r.getSha256().equalsIgnoreCase(t.sha256()) && r.getVersion().equals(t.version()));
        out.add(pointer(name, t.version(), t.sha256(), "promote", previous, now));
        out.addAll(endShadow);
        return out;
    }

    /** @return the decodable artifact of that version (its versioned record, else the latest plain one) */
    private Entry target(String name, String version) throws DeepMergeException {
        Model m = models.get(name);
        Entry target = m == null ? null : m.versioned.get(version);
        if (target == null && m != null) {
            for (Entry p : m.plain) {
                if (version.equals(p.version()) && p.decoded()) {
                    target = p;
                }
            }
        }
        if (target == null || !target.decoded()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "model " + name + " has no " + (target == null ? ""
                    : "decodable ") + "version " + version + " on the model topic; published: " + versions(name)
                    + (target == null ? "" : " (" + target.problem() + ")"));
        }
        return target;
    }

    /**
     * The records that make a version the model's shadow candidate: scorers following the model also score every
     * micro-batch with it and write those scores to the shadow topic; the live model's scores are unchanged.
     *
     * @param name    model name
     * @param version the candidate version
     * @param now     pointer time
     * @return the records to write in order (a copy of a plain artifact to its version key if needed, then the pointer
     *         {@code <name>#shadow}, action {@code shadow}); empty when that artifact is already the shadow
     * @throws DeepMergeException INVALID_CONFIG when the topic has no decodable artifact of that version, when the
     *                            model has no live version (nothing to compare with) or that version is the live one
     */
    public List<Write> shadow(String name, String version, Instant now) throws DeepMergeException {
        Entry target = target(name, version);
        Entry live = live(name).entry();
        if (live == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "model " + name + " has no live version: a shadow is "
                    + "scored beside the live model, so promote a version first");
        }
        if (same(live, target.version(), target.sha256())) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "model " + name + " " + version + " is the live "
                    + "version: a shadow is compared with the live model; set another version");
        }
        Live current = shadow(name);
        if (current.entry() != null && same(current.entry(), target.version(), target.sha256())) {
            return List.of();
        }
        List<Write> out = new ArrayList<>();
        keep(models.get(name), target, out);
        ModelLive p = ModelLive.newBuilder().setName(name).setVersion(target.version()).setSha256(target.sha256())
                .setUpdatedAt(now).setAction("shadow").setPrevious(new ArrayList<>()).build();
        out.add(new Write(ModelTopic.shadowKey(name), ModelTopic.encodeLive(p), "shadow pointer " + name + " -> "
                + target.version() + " (sha256 " + target.sha256() + ")"));
        return out;
    }

    /**
     * @param name model name
     * @return the tombstone that clears the model's shadow pointer; empty when it has none
     */
    public List<Write> clearShadow(String name) {
        Model m = models.get(name);
        if (m == null || m.shadow.absent()) {
            return List.of();
        }
        return List.of(new Write(ModelTopic.shadowKey(name), null, "shadow pointer " + name + " cleared (tombstone)"));
    }

    /**
     * The records that restore the previous live version.
     *
     * @param name model name
     * @param now  pointer time
     * @return the records to write in order
     * @throws DeepMergeException INVALID_CONFIG when no earlier live version is known or its artifact is gone
     */
    public List<Write> rollback(String name, Instant now) throws DeepMergeException {
        Model m = models.get(name);
        Live live = live(name);
        List<Write> out = new ArrayList<>();
        if (live.pointer() != null) {
            List<ModelRef> previous = live.pointer().getPrevious();
            if (previous.isEmpty()) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "model " + name + ": the live pointer ("
                        + live.pointer().getVersion() + ") remembers no earlier live version to roll back to");
            }
            ModelRef back = previous.get(0);
            Entry target = find(m, back.getVersion(), back.getSha256()).orElseThrow(() -> new DeepMergeException(
                    Reason.INVALID_CONFIG, "model " + name + ": the previous live version " + back.getVersion()
                    + " (sha256 " + back.getSha256() + ") is no longer on the model topic; promote a version instead"));
            keep(m, target, out);
            out.add(pointer(name, back.getVersion(), back.getSha256(), "rollback",
                    new ArrayList<>(previous.subList(1, previous.size())), now));
            out.addAll(endShadowAt(name, back.getVersion(), back.getSha256()));
            return out;
        }
        Entry current = live.entry();
        Entry before = null;
        if (m != null && current != null) {
            for (Entry p : m.plain) {
                if (p.decoded() && !p.sha256().equalsIgnoreCase(String.valueOf(current.sha256()))) {
                    before = p;
                }
            }
        }
        if (before == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "model " + name + " has no live pointer and the topic "
                    + "holds no earlier artifact under the key " + name + " to roll back to");
        }
        keep(m, before, out);
        out.add(pointer(name, before.version(), before.sha256(), "rollback", new ArrayList<>(), now));
        out.addAll(endShadowAt(name, before.version(), before.sha256()));
        return out;
    }

    /**
     * @return the shadow pointer's tombstone when the shadow is the artifact about to go live (a model compared with
     *         itself tells nothing), else nothing
     */
    private List<Write> endShadowAt(String name, String version, String sha256) {
        Entry shadow = shadow(name).entry();
        return shadow != null && same(shadow, version, sha256) ? clearShadow(name) : List.of();
    }

    /** Adds a copy of a plain artifact to its version key unless one is there (compaction would drop it). */
    private static void keep(Model m, Entry e, List<Write> out) {
        if (e.kind() == ModelTopic.Key.Kind.PLAIN && !m.versioned.containsKey(e.version())) {
            out.add(new Write(ModelTopic.versionKey(e.name(), e.version()), e.value(), "artifact " + e.name() + "@"
                    + e.version() + " (copy of the record under key " + e.name() + ")"));
        }
    }

    private static Write pointer(String name, String version, String sha256, String action, List<ModelRef> previous,
                                 Instant now) throws DeepMergeException {
        List<ModelRef> kept = previous.size() > MAX_HISTORY ? previous.subList(0, MAX_HISTORY) : previous;
        ModelLive p = ModelLive.newBuilder().setName(name).setVersion(version).setSha256(sha256).setUpdatedAt(now)
                .setAction(action).setPrevious(new ArrayList<>(kept)).build();
        return new Write(ModelTopic.liveKey(name), ModelTopic.encodeLive(p), "live pointer " + name + " -> " + version
                + " (sha256 " + sha256 + ", " + action + ")");
    }

    private List<String> versions(String name) {
        Collection<Entry> all = artifacts(name);
        return all.stream().map(e -> String.valueOf(e.version())).distinct().toList();
    }
}
