package org.deepmerge.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.deepmerge.app.broker.DevBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code deepmerge serve} against a real in-JVM KRaft broker: settings Kafka Streams rejects stop it with their name. */
class ServeCommandIT {

    @TempDir
    Path tmp;

    @Test
    void aBadKafkaStreamsSettingIsAnErrorNamingItNotAStackTrace() throws Exception {
        try (DevBroker broker = DevBroker.start(tmp.resolve("broker"), 0)) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = DeepMergeCli.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            int exit = cli.execute("serve", "--bootstrap", broker.bootstrapServers(), "--set",
                    "processing.guarantee=bogus", "--set", "state.dir=" + tmp.resolve("state"));
            assertEquals(DeepMergeCli.EXIT_FAILED, exit, "serve must not start with an invalid processing.guarantee");
            // rejected when the configuration is loaded, before the model or Kafka Streams
            assertTrue(err.toString().startsWith("deepmerge serve: INVALID_CONFIG: invalid configuration: ")
                    && err.toString().contains("processing.guarantee"), err.toString());
            assertTrue(!err.toString().contains("\tat org.apache.kafka"), "no stack trace: " + err);
        }
    }

    /**
     * Settings found invalid before anything starts: no broker is needed (port 9, discard, is closed here), the
     * configuration is rejected before the first connection. Before the pre-flight checks, num.stream.threads=-1
     * started Kafka Streams (which then rebalanced forever) and a missing truststore failed inside the Kafka admin
     * client with a stack trace and exit code 1.
     */
    @Test
    void invalidSettingsAreOneLineAndExitTwoBeforeAnythingStarts() {
        String missing = tmp.resolve("nope").resolve("truststore.jks").toString();
        String[][] cases = {
            {"security.protocol=SSL", "ssl.truststore.location=" + missing, "ssl.truststore.location", missing},
            {"security.protocol=SSL", "producer.ssl.keystore.location=" + missing, "producer.ssl.keystore.location"},
            {"num.stream.threads=-1", "num.stream.threads"},
        };
        for (String[] c : cases) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("serve", "--bootstrap", "127.0.0.1:9",
                    "--set", "state.dir=" + tmp.resolve("state")));
            java.util.List<String> expected = new java.util.ArrayList<>();
            for (String s : c) {
                if (s.contains("=")) {
                    args.add("--set");
                    args.add(s);
                } else {
                    expected.add(s);
                }
            }
            StringWriter err = new StringWriter();
            CommandLine cli = DeepMergeCli.commandLine();
            cli.setOut(new PrintWriter(new StringWriter(), true));
            cli.setErr(new PrintWriter(err, true));
            int exit = cli.execute(args.toArray(String[]::new));
            String text = err.toString();
            assertEquals(DeepMergeCli.EXIT_FAILED, exit, args + ": " + text);
            assertEquals(1, text.strip().lines().count(), "one line: " + text);
            assertTrue(text.startsWith("deepmerge serve: INVALID_CONFIG: "), text);
            for (String e : expected) {
                assertTrue(text.contains(e), e + " not named: " + text);
            }
            assertTrue(!text.contains("\tat org."), "no stack trace: " + text);
        }
    }
}
