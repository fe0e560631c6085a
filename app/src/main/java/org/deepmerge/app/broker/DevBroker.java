package org.deepmerge.app.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * A real single-node Kafka broker (KRaft, combined broker + controller, node id 1) running inside this JVM on
 * 127.0.0.1, for development, demos and tests. Its log directory is formatted on first start and reused
 * afterwards, so topics and records survive a restart on the same data directory.
 *
 * <p>Single-node settings: replication factor 1 for internal topics (offsets, transactions), so
 * exactly-once Kafka Streams applications work against it; no authentication (PLAINTEXT).
 */
public final class DevBroker implements AutoCloseable {
    private final KafkaRaftServer server;
    private final String bootstrap;
    private final Path dataDir;
    private boolean closed;

    private DevBroker(KafkaRaftServer server, String bootstrap, Path dataDir) {
        this.server = server;
        this.bootstrap = bootstrap;
        this.dataDir = dataDir;
    }

    /**
     * Formats {@code dataDir} if needed and starts the broker.
     *
     * @param dataDir log directory (created if missing; reused with its data if already formatted)
     * @param port    client port on 127.0.0.1; 0 picks a free port
     * @return the running broker
     * @throws DeepMergeException IO_ERROR when the directory cannot be used or the broker does not start
     */
    public static DevBroker start(Path dataDir, int port) throws DeepMergeException {
        try {
            Files.createDirectories(dataDir);
            int clientPort = port == 0 ? freePort() : port;
            int controllerPort = freePort();
            String dir = dataDir.toAbsolutePath().toString();
            Map<String, Object> p = new HashMap<>();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
            p.put("controller.listener.names", "CONTROLLER");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.put("log.dirs", dir);
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "5");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("transaction.state.log.num.partitions", "5");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("num.partitions", "1");
            p.put("auto.create.topics.enable", "false");
            KafkaConfig config = new KafkaConfig(p, false);
            if (!Files.exists(dataDir.resolve("meta.properties"))) {
                new Formatter()
                        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                        .setNodeId(1)
                        .setClusterId(Uuid.randomUuid().toString())
                        .setDirectories(java.util.List.of(dir))
                        .setMetadataLogDirectory(dir)
                        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                        .setControllerListenerName("CONTROLLER")
                        .run();
            }
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            return new DevBroker(server, "127.0.0.1:" + clientPort, dataDir);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "dev broker data directory " + dataDir + ": " + e.getMessage(), e);
        } catch (Exception e) {
            throw new DeepMergeException(Reason.IO_ERROR, "dev broker on " + dataDir + " did not start: " + e, e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** @return the client bootstrap address, {@code 127.0.0.1:PORT} */
    public String bootstrapServers() {
        return bootstrap;
    }

    /** @return the data (log) directory */
    public Path dataDir() {
        return dataDir;
    }

    /** Stops the broker and waits until it is down (idempotent). */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            server.shutdown();
            server.awaitShutdown();
        }
    }
}
