package org.deepmerge.app.models;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * Reads whole topics once, for the {@code deepmerge models} commands: a group-less consumer ({@code group.id}
 * removed, nothing committed), {@code isolation.level=read_committed}, from the beginning of every partition to the
 * end offsets found at the start (with read_committed: the last stable offset, so aborted and open transactions are
 * never seen).
 */
public final class TopicReader {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private TopicReader() {
    }

    /**
     * @param settings Kafka client settings (bootstrap.servers, TLS/SASL); only consumer keys are used
     * @param clientId client.id unless the settings give one
     * @param topics   the topics; a missing topic is read as empty
     * @param each     called with every record, in order per partition
     * @return the topics among those asked for that exist on the cluster
     * @throws DeepMergeException IO_ERROR when the cluster cannot be read or the end is not reached within 60 s
     */
    public static Set<String> readToEnd(Map<String, ?> settings, String clientId, List<String> topics,
                                 Consumer<ConsumerRecord<byte[], byte[]>> each) throws DeepMergeException {
        Properties p = new Properties();
        Set<String> names = ConsumerConfig.configNames();
        settings.forEach((k, v) -> {
            if (names.contains(k)) {
                p.put(k, v);
            }
        });
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            Map<String, List<PartitionInfo>> all = c.listTopics(TIMEOUT);
            List<TopicPartition> parts = new ArrayList<>();
            Set<String> found = new java.util.TreeSet<>();
            for (String t : topics) {
                all.getOrDefault(t, List.of()).forEach(i -> parts.add(new TopicPartition(t, i.partition())));
                if (all.containsKey(t)) {
                    found.add(t);
                }
            }
            if (parts.isEmpty()) {
                return found;
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = new HashMap<>(c.endOffsets(parts, TIMEOUT));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            end.entrySet().removeIf(e -> c.position(e.getKey(), TIMEOUT) >= e.getValue());
            while (!end.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new DeepMergeException(Reason.IO_ERROR, "topics " + topics + ": not read to their end within "
                            + TIMEOUT.toSeconds() + " s (partitions left " + end.keySet() + ")");
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (end.containsKey(new TopicPartition(r.topic(), r.partition()))) {
                        each.accept(r);
                    }
                }
                end.entrySet().removeIf(e -> c.position(e.getKey(), TIMEOUT) >= e.getValue());
            }
            return found;
        } catch (KafkaException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot read topics " + topics + ": " + e, e);
        }
    }
}
