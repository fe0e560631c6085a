package org.deepmerge.app.models;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.model.ModelCatalog;
import org.deepmerge.core.model.ModelTopic;
import org.deepmerge.streams.runtime.KafkaStartup;

/**
 * The Kafka side of {@code deepmerge models}: reads the whole model topic into a {@link ModelCatalog} and writes the
 * records it plans ({@link ModelTopic}: artifacts under {@code <name>@<version>}, live pointers under
 * {@code <name>#live}). Reading: a group-less consumer, {@code read_committed}, from the beginning to the end offsets
 * found at the start. Writing: an idempotent producer ({@code acks=all}, {@code max.request.size} raised to fit the
 * largest record), records sent in order and acknowledged before the command ends; the topic is created if missing
 * (1 partition, compacted, {@code max.message.bytes} = {@value ModelTopic#MAX_MESSAGE_BYTES}); an existing one must be
 * compacted.
 */
public final class ModelTopicClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Map<String, Object> settings;
    private final String topic;

    /**
     * @param settings Kafka client settings: bootstrap.servers and any TLS/SASL setting (each client takes its own)
     * @param topic    the model topic
     * @throws DeepMergeException INVALID_CONFIG without bootstrap.servers
     */
    public ModelTopicClient(Map<String, ?> settings, String topic) throws DeepMergeException {
        if (settings.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "no Kafka bootstrap servers: use --bootstrap, "
                    + "bootstrap.servers in --config, or DEEPMERGE_KAFKA_BOOTSTRAP_SERVERS");
        }
        this.settings = new HashMap<>(settings);
        this.topic = topic;
    }

    /** @return the model topic */
    public String topic() {
        return topic;
    }

    private Properties only(Set<String> names) {
        Properties p = new Properties();
        settings.forEach((k, v) -> {
            if (names.contains(k)) {
                p.put(k, v);
            }
        });
        return p;
    }

    /**
     * @return every record of the topic up to its current end, applied in order (an empty catalog when the topic
     *         does not exist)
     * @throws DeepMergeException IO_ERROR when the cluster cannot be read
     */
    public ModelCatalog read() throws DeepMergeException {
        ModelCatalog catalog = new ModelCatalog();
        TopicReader.readToEnd(settings, "deepmerge-models", List.of(topic), r -> catalog.apply(r.key(), r.value()));
        return catalog;
    }

    /**
     * Sends records in order and waits for each acknowledgement, creating the topic if missing.
     *
     * @param writes the records
     * @return where each went, {@code topic-partition@offset}
     * @throws DeepMergeException INVALID_CONFIG (topic not compacted), IO_ERROR (send failed)
     */
    public List<String> write(List<ModelCatalog.Write> writes) throws DeepMergeException {
        if (writes.isEmpty()) {
            return List.of();
        }
        ensureTopic();
        int largest = writes.stream().mapToInt(w -> w.value() == null ? 0 : w.value().length).max().orElse(0);
        Properties p = only(ProducerConfig.configNames());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "deepmerge-models");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Long.toString(Math.max(1 << 20,
                (long) largest + ModelTopic.RECORD_OVERHEAD_BYTES)));
        List<String> out = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (ModelCatalog.Write w : writes) {
                sent.add(producer.send(new ProducerRecord<>(topic, w.key(), w.value())));
            }
            for (Future<RecordMetadata> f : sent) {
                RecordMetadata m = f.get();
                out.add(m.topic() + "-" + m.partition() + "@" + m.offset());
            }
            return out;
        } catch (ExecutionException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot write to model topic " + topic + ": " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeepMergeException(Reason.IO_ERROR, "interrupted while writing to model topic " + topic, e);
        } catch (KafkaException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "Kafka producer failed for model topic " + topic + ": " + e, e);
        }
    }

    private void ensureTopic() throws DeepMergeException {
        Properties admin = only(AdminClientConfig.configNames());
        Set<String> created = KafkaStartup.createTopicsIfMissing(admin, List.of(new NewTopic(topic, Optional.of(1),
                Optional.empty()).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, ModelTopic.CLEANUP_POLICY,
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(ModelTopic.MAX_MESSAGE_BYTES)))), TIMEOUT);
        if (created.contains(topic)) {
            // made with the settings above; a broker's metadata may not know it yet (UnknownTopicOrPartition)
            return;
        }
        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin a = Admin.create(admin)) {
            Config config = a.describeConfigs(List.of(res)).all().get().get(res);
            ConfigEntry policy = config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
            if (policy == null || !Arrays.asList(policy.value().split(",")).contains(ModelTopic.CLEANUP_POLICY)) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "model topic " + topic + " has cleanup.policy="
                        + (policy == null ? "(unknown)" : policy.value()) + "; it must be compacted");
            }
        } catch (ExecutionException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot describe model topic " + topic + ": " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeepMergeException(Reason.IO_ERROR, "interrupted while checking model topic " + topic, e);
        }
    }
}
