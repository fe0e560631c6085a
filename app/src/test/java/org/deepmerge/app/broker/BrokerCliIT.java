package org.deepmerge.app.broker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.app.cli.DeepMergeCli;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.app.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code deepmerge broker} in its own JVM: prints its bootstrap address, {@code deepmerge replay} sends the 87 real
 * ZTF alerts to it byte for byte, it stops cleanly on SIGTERM, and a restart on the same data directory still
 * serves every record.
 */
class BrokerCliIT {

    @TempDir
    Path tmp;

    private static String awaitBootstrap(Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline && p.isAlive()) {
            for (String line : Files.readAllLines(log)) {
                if (line.startsWith("bootstrap=")) {
                    return line.substring("bootstrap=".length()).trim();
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("broker printed no bootstrap address:\n" + ChildJvm.tail(log));
    }

    private static void stop(Process p, Path log) throws Exception {
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "broker did not stop on SIGTERM");
        assertTrue(Files.readString(log).contains("stopping broker"), ChildJvm.tail(log));
    }

    @Test
    void replayedAlertsSurviveASigtermAndRestart() throws Exception {
        Path data = tmp.resolve("broker-data");
        Path ztf = TestData.require("alerts/ztf");
        List<Path> files = Alerts.ztf();

        Path log1 = tmp.resolve("broker1.log");
        Process broker = ChildJvm.start(tmp, log1, List.of("broker", "--port", "0", "--data-dir", data.toString()));
        try {
            String bootstrap = awaitBootstrap(broker, log1);
            assertTrue(bootstrap.startsWith("127.0.0.1:"), bootstrap);
            int exit = new CommandLine(new DeepMergeCli()).execute("replay", "--bootstrap", bootstrap, "--topic", "alerts",
                    ztf.toString());
            assertEquals(0, exit, "replay exit code");
        } finally {
            stop(broker, log1);
        }

        Path log2 = tmp.resolve("broker2.log");
        broker = ChildJvm.start(tmp, log2, List.of("broker", "--port", "0", "--data-dir", data.toString()));
        try {
            String bootstrap = awaitBootstrap(broker, log2);
            List<byte[]> values = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                TopicPartition tp = new TopicPartition("alerts", 0);
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (values.size() < files.size() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                        assertEquals(null, r.key(), "replay sends null keys");
                        values.add(r.value());
                    }
                }
                assertFalse(c.poll(Duration.ofMillis(500)).iterator().hasNext(), "nothing beyond the replayed alerts");
            }
            assertEquals(files.size(), values.size(), "every replayed alert kept across the restart");
            for (int i = 0; i < files.size(); i++) {
                assertArrayEquals(Alerts.bytes(files.get(i)), values.get(i), "bytes exactly as archived: " + files.get(i));
            }
        } finally {
            stop(broker, log2);
        }
    }
}
