package org.deepmerge.app.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deepmerge.streams.testing.Alerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same end-to-end check against a broker in a container (the official apache/kafka image), as a deployment
 * would run it. Skipped cleanly where Docker is absent.
 */
@Testcontainers(disabledWithoutDocker = true)
class KafkaContainerScoringIT {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0");

    @TempDir
    Path tmp;

    @Test
    void scoresZtfAlertsThroughAContainerBroker() throws Exception {
        List<byte[]> messages = new ArrayList<>();
        for (Path p : Alerts.ztf().subList(0, 20)) {
            messages.add(Alerts.bytes(p));
        }
        messages.add("garbage".getBytes(StandardCharsets.UTF_8));
        assertEquals(20, ScoringIntegrationIT.runEndToEnd(KAFKA.getBootstrapServers(), tmp, messages, 1, false));
    }
}
