package org.deepmerge.streams.runtime;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.KafkaStreams;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two start-up steps every runner of the scoring application needs ({@code deepmerge serve}, the demo, the
 * pipeline benchmark, an embedding application): topics that exist, and Kafka Streams that has its partitions.
 */
public final class KafkaStartup {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaStartup.class);

    private KafkaStartup() {
    }

    /**
     * Creates the topics that do not exist yet; existing ones are left as they are (their partitions and settings
     * win), and a topic another instance creates at the same moment is not an error.
     *
     * @param clientProps Kafka settings (the application's; only the admin client's keys are used, so TLS and SASL
     *                    settings apply)
     * @param topics      the topics wanted, with partitions, replication and topic configs (empty = broker defaults)
     * @param timeout     longest wait for the broker per step
     * @return the names of the topics this call created (those another instance created at the same moment excluded)
     * @throws DeepMergeException IO_ERROR naming the bootstrap servers and the topics when the broker does not answer
     *                            or refuses; INVALID_CONFIG when it refuses the credentials (authentication failed:
     *                            SASL or TLS) or no client can be made with the settings
     */
    public static Set<String> createTopicsIfMissing(Map<?, ?> clientProps, List<NewTopic> topics, Duration timeout)
            throws DeepMergeException {
        Map<String, Object> admin = new HashMap<>();
        clientProps.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(String.valueOf(k))) {
                admin.put(String.valueOf(k), v);
            }
        });
        Object servers = admin.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
        List<String> names = topics.stream().map(NewTopic::name).toList();
        try (Admin a = createAdmin(admin)) {
            Set<String> existing = a.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Map<String, NewTopic> missing = new LinkedHashMap<>();
            for (NewTopic t : topics) {
                if (!existing.contains(t.name())) {
                    missing.putIfAbsent(t.name(), t);
                }
            }
            if (missing.isEmpty()) {
                return Set.of();
            }
            CreateTopicsResult result = a.createTopics(List.copyOf(missing.values()));
            Set<String> created = new LinkedHashSet<>();
            for (Map.Entry<String, KafkaFuture<Void>> f : result.values().entrySet()) {
                try {
                    f.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    created.add(f.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            if (!created.isEmpty()) {
                LOG.info("created topics {}", created);
            }
            return created;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "Kafka at " + servers + " refused the connection: "
                        + e.getCause().getMessage() + " (check security.protocol, sasl.mechanism, sasl.jaas.config and, "
                        + "for TLS, the ssl.truststore.* settings)", e.getCause());
            }
            throw new DeepMergeException(Reason.IO_ERROR, "cannot create topics " + names + " on " + servers + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "Kafka at " + servers + " did not answer within "
                    + timeout.toSeconds() + " s (listing/creating topics " + names + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeepMergeException(Reason.IO_ERROR, "interrupted creating topics " + names, e);
        }
    }

    /**
     * @param settings admin client settings
     * @return the admin client
     * @throws DeepMergeException INVALID_CONFIG in one line when Kafka cannot create it (e.g. SASL without a JAAS
     *                            configuration), naming the causes; tokens a JAAS error quotes are not repeated
     */
    private static Admin createAdmin(Map<String, Object> settings) throws DeepMergeException {
        try {
            return Admin.create(settings);
        } catch (KafkaException e) {
            StringBuilder why = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                String m = String.valueOf(t.getMessage());
                // a JAAS parse error quotes a token of sasl.jaas.config, which may be (part of) a secret
                why.append(why.length() == 0 ? "" : ": ").append(m.contains("JAAS") ? m.replaceAll("'[^']*'", "'...'") : m);
            }
            throw new DeepMergeException(Reason.INVALID_CONFIG, "cannot create a Kafka client for "
                    + settings.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) + ": " + why, e);
        }
    }

    /**
     * Waits until Kafka Streams has its partitions ({@code RUNNING}).
     *
     * @param streams a started application
     * @param timeout longest wait
     * @throws DeepMergeException IO_ERROR naming the state when it fails (ERROR, NOT_RUNNING, PENDING_SHUTDOWN) or does
     *                            not get there in time, or when interrupted
     */
    public static void awaitRunning(KafkaStreams streams, Duration timeout) throws DeepMergeException {
        long deadline = System.nanoTime() + timeout.toNanos();
        KafkaStreams.State s;
        while ((s = streams.state()) != KafkaStreams.State.RUNNING) {
            if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING
                    || s == KafkaStreams.State.PENDING_SHUTDOWN || s == KafkaStreams.State.PENDING_ERROR) {
                throw new DeepMergeException(Reason.IO_ERROR, "Kafka Streams stopped while starting (state " + s + ")");
            }
            if (System.nanoTime() > deadline) {
                throw new DeepMergeException(Reason.IO_ERROR, "Kafka Streams did not reach RUNNING within "
                        + timeout.toSeconds() + " s (state " + s + ")");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeepMergeException(Reason.IO_ERROR, "interrupted while Kafka Streams was starting", e);
            }
        }
    }
}
