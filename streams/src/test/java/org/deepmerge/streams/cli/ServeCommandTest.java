package org.deepmerge.streams.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.deepmerge.streams.broker.DevBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code deepmerge serve} against a real in-JVM KRaft broker: settings Kafka Streams rejects stop it with their name. */
class ServeCommandTest {

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
            assertEquals(BenchCommand.EXIT_FAILED, exit, "serve must not start with an invalid processing.guarantee");
            assertTrue(err.toString().startsWith("deepmerge serve: INVALID_CONFIG: invalid Kafka Streams setting")
                    && err.toString().contains("processing.guarantee"), err.toString());
            assertTrue(!err.toString().contains("\tat org.apache.kafka"), "no stack trace: " + err);
        }
    }
}
