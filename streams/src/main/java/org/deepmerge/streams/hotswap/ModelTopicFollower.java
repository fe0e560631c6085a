package org.deepmerge.streams.hotswap;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.model.ModelCatalog;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.model.ModelTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the compacted model topic ({@link ModelTopic}, {@value ModelTopic#DEFAULT_TOPIC} by default; written by
 * the training module's {@code publish}) and hot-swaps each new version of one model into a {@link ScorerHolder}.
 *
 * <p>Kafka side: a {@link KafkaConsumer} with no consumer group (manual assignment of every partition of the topic,
 * read from the beginning, no offsets committed), {@code isolation.level=read_committed}, byte-array key and value.
 * Every follower therefore sees every record the compacted topic holds on start-up and every later one. The records
 * of the followed model (keys {@code <name>}, {@code <name>@<version>}, {@code <name>#live}; other models' are
 * skipped) go into a {@link ModelCatalog}, which says which artifact is live: the one the live pointer names, or
 * without a pointer the latest {@code <name>} record (the original protocol). On start-up the follower first reads up
 * to the end offsets it found and installs only the artifact live then (older versions are never installed on the
 * way); after that, after each poll that brought records of the model, it installs the live artifact if it is another
 * record than the one it last tried (so promote and rollback switch models, and a refused artifact is not retried
 * until the topic names another). A pointer to an artifact the topic does not hold is refused with check
 * {@code not_found} (once per pointer record) and installed when the artifact arrives. Installation (SHA-256 check,
 * cache file, new scorer, contract, warm-up, compatibility check, atomic swap) is {@link ModelArtifactInstaller}'s;
 * a refused artifact is logged and the running model keeps serving. The catalog holds the followed model's artifacts
 * in memory (the ONNX bytes of every version on the topic).
 *
 * <p>With a {@link ShadowSlot} it also follows the shadow pointer {@code <name>#shadow} by the same rules: the
 * candidate it names is installed into the slot ({@link ModelArtifactInstaller#installShadow}: verified and
 * input-compatible with the live model), a tombstone empties it ({@link ModelArtifactInstaller#clearShadow}); outcomes
 * go to {@link #addShadowListener}.
 *
 * <p>Runs on its own daemon thread {@code deepmerge-model-follower}; if the topic does not exist yet it retries
 * every poll timeout. {@link #close()} wakes the consumer, joins the thread and closes the consumer; it does not
 * close the holder.
 */
public final class ModelTopicFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelTopicFollower.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final String modelName;
    private final ModelArtifactInstaller installer;
    private final Duration pollTimeout;
    private final List<Consumer<ModelArtifactInstaller.Outcome>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<ModelArtifactInstaller.Outcome> last = new AtomicReference<>();
    private final AtomicLong seen = new AtomicLong();
    private final Thread thread;
    private final ModelCatalog catalog = new ModelCatalog();
    private final Track live = new Track();
    private final ShadowSlot shadowSlot;
    private final Track shadow = new Track();
    private final List<Consumer<ModelArtifactInstaller.Outcome>> shadowListeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<ModelArtifactInstaller.Outcome> lastShadow = new AtomicReference<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean running = true;

    /**
     * Starts following.
     *
     * @param consumerProps Kafka client settings (bootstrap.servers, TLS/SASL, ...); the follower sets
     *                      key/value deserializers, isolation.level=read_committed, enable.auto.commit=false,
     *                      allow.auto.create.topics=false and removes group.id
     * @param topic         the model topic, e.g. {@value ModelTopic#DEFAULT_TOPIC}
     * @param modelName     the model to follow (record key), usually {@code holder.identity().name()}
     * @param installer     verifies and swaps artifacts into the holder
     * @param pollTimeout   longest wait per poll (also the retry interval while the topic is missing), e.g. 1 s
     * @throws DeepMergeException INVALID_CONFIG when bootstrap.servers is missing or the topic/model name is blank
     */
    public ModelTopicFollower(Properties consumerProps, String topic, String modelName, ModelArtifactInstaller installer,
                              Duration pollTimeout) throws DeepMergeException {
        this(consumerProps, topic, modelName, installer, pollTimeout, null);
    }

    /**
     * Starts following the live pointer and, with a slot, the shadow pointer {@code <name>#shadow}: the artifact it
     * names is verified and installed into the slot ({@link ModelArtifactInstaller#installShadow}), replaced when the
     * pointer moves and removed when it is cleared (a tombstone); outcomes go to {@link #addShadowListener}.
     *
     * @param consumerProps as for the other constructor
     * @param topic         the model topic
     * @param modelName     the model to follow
     * @param installer     verifies and swaps artifacts into the holder and the shadow slot
     * @param pollTimeout   longest wait per poll
     * @param shadowSlot    where the shadow candidate goes, or null not to follow the shadow pointer
     * @throws DeepMergeException INVALID_CONFIG when bootstrap.servers is missing or the topic/model name is blank
     */
    public ModelTopicFollower(Properties consumerProps, String topic, String modelName, ModelArtifactInstaller installer,
                              Duration pollTimeout, ShadowSlot shadowSlot) throws DeepMergeException {
        this.shadowSlot = shadowSlot;
        if (consumerProps.getProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG) == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "model follower: " + ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG
                    + " is not set");
        }
        if (topic == null || topic.isBlank() || modelName == null || modelName.isBlank()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "model follower needs a topic and a model name, got topic '"
                    + topic + "', model '" + modelName + "'");
        }
        this.topic = topic;
        this.modelName = modelName;
        this.installer = Objects.requireNonNull(installer, "installer");
        this.pollTimeout = Objects.requireNonNull(pollTimeout, "pollTimeout");
        this.consumer = new KafkaConsumer<>(consumerProperties(consumerProps), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "deepmerge-model-follower");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * @param props caller's settings
     * @return the consumer settings the follower runs with (see the constructor)
     */
    static Properties consumerProperties(Properties props) {
        Properties p = new Properties();
        p.putAll(props);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "deepmerge-model-follower");
        p.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        p.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        return p;
    }

    /** @param listener called on the follower thread after every install attempt of the followed model */
    public void addListener(Consumer<ModelArtifactInstaller.Outcome> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** @return the outcome of the latest install attempt, or null before the first */
    public ModelArtifactInstaller.Outcome lastOutcome() {
        return last.get();
    }

    /** @param listener called on the follower thread after every change of the shadow model (install, refusal, clear) */
    public void addShadowListener(Consumer<ModelArtifactInstaller.Outcome> listener) {
        shadowListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** @return the outcome of the latest shadow change, or null before the first */
    public ModelArtifactInstaller.Outcome lastShadowOutcome() {
        return lastShadow.get();
    }

    /**
     * @return records of the followed model read so far, tombstones excepted (including superseded and refused
     *         artifacts and live pointers)
     */
    public long recordsSeen() {
        return seen.get();
    }

    private void run() {
        try {
            List<TopicPartition> partitions = List.of();
            while (running && partitions.isEmpty()) {
                partitions = partitions();
                if (partitions.isEmpty()) {
                    LOG.info("model topic {} does not exist yet; retrying in {}", topic, pollTimeout);
                    Thread.sleep(pollTimeout.toMillis());
                }
            }
            if (!running) {
                return;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> catchUpEnd = new LinkedHashMap<>(consumer.endOffsets(partitions));
            LOG.info("following model {} on {} ({} partitions, from the beginning; catching up to offsets {})",
                    modelName, topic, partitions.size(), catchUpEnd);
            boolean changed = false;
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTimeout);
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    ModelTopic.Key key = ModelTopic.parseKey(r.key());
                    if (key == null || !key.name().equals(modelName)) {
                        continue;
                    }
                    if (r.value() != null) {
                        seen.incrementAndGet();
                    }
                    catalog.apply(r.key(), r.value());
                    changed = true;
                }
                // while catching up on history only what is live at the end counts (as after compaction)
                catchUpEnd.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
                if (!catchUpEnd.isEmpty() || !changed) {
                    continue;
                }
                changed = false;
                follow(catalog.live(modelName), live, "live", last, listeners);
                if (shadowSlot != null) {
                    follow(catalog.shadow(modelName), shadow, "shadow", lastShadow, shadowListeners);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("model follower woken up unexpectedly; no longer following {}", topic, e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("model follower stopped on {}: the running model keeps serving but no new model will be installed",
                    topic, e);
        }
    }

    /** What the follower last did about one pointer. */
    private static final class Track {
        ModelCatalog.Entry lastTried;
        String lastProblem;
    }

    /**
     * Installs the artifact a pointer resolves to, unless it is the record last tried; reports a pointer to a missing
     * artifact once; for the shadow, clears the slot when the pointer is gone.
     */
    private void follow(ModelCatalog.Live target, Track track, String role,
                        AtomicReference<ModelArtifactInstaller.Outcome> lastRef,
                        List<Consumer<ModelArtifactInstaller.Outcome>> notify) {
        boolean isShadow = track == shadow;
        ModelArtifactInstaller.Outcome o;
        if (target.entry() != null) {
            track.lastProblem = null;
            if (target.entry() == track.lastTried) {
                return;
            }
            track.lastTried = target.entry();
            o = isShadow ? installer.installShadow(target.entry().value(), shadowSlot)
                    : installer.install(target.entry().value());
        } else if (target.problem() != null && !target.problem().equals(track.lastProblem)) {
            track.lastProblem = target.problem();
            o = installer.notFound(target.pointer() == null ? null : new ModelIdentity(modelName,
                    target.pointer().getVersion(), target.pointer().getSha256()), target.problem());
        } else if (isShadow && target.problem() == null) {
            // no shadow pointer (cleared): a later pointer to the same artifact is tried afresh
            track.lastTried = null;
            track.lastProblem = null;
            if (shadowSlot.identity().isEmpty()) {
                return;
            }
            o = installer.clearShadow(shadowSlot);
        } else {
            return;
        }
        LOG.info("model topic {}: {} {} {} {}{}", topic, role, o.status(),
                o.identity() == null ? "(none)" : o.identity().name(),
                o.identity() == null ? "" : o.identity().version(),
                target.pointer() == null ? "" : " (" + role + " pointer, " + target.pointer().getAction() + ")");
        lastRef.set(o);
        for (Consumer<ModelArtifactInstaller.Outcome> l : notify) {
            l.accept(o);
        }
    }

    private List<TopicPartition> partitions() {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, pollTimeout);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            return List.of();
        }
        List<TopicPartition> out = new ArrayList<>();
        if (infos != null) {
            for (PartitionInfo i : infos) {
                out.add(new TopicPartition(i.topic(), i.partition()));
            }
        }
        return out;
    }

    /** Stops following (waits for an install in progress to finish) and closes the consumer. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        consumer.wakeup();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close();
        }
    }
}
