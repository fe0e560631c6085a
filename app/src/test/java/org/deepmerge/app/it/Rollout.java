package org.deepmerge.app.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.deepmerge.app.cli.DeepMergeCli;
import org.deepmerge.streams.hotswap.ModelArtifactInstaller.Outcome;
import org.deepmerge.streams.testing.Alerts;

/** What the model-rollout integration tests share: the {@code deepmerge models} commands in-process, paced sends. */
final class Rollout {
    private Rollout() {
    }

    /**
     * Exit code and everything printed.
     *
     * @param code   exit code
     * @param output standard output then standard error
     */
    record Run(int code, String output) {
    }

    /** Runs {@code deepmerge models ARGS --bootstrap=B} in-process. @return exit code and output */
    static Run models(String bootstrap, String... args) {
        picocli.CommandLine cli = DeepMergeCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("models"));
        all.addAll(List.of(args));
        all.add("--bootstrap=" + bootstrap);
        int code = cli.execute(all.toArray(String[]::new));
        return new Run(code, out + err.toString());
    }

    /** @return r, after asserting it succeeded */
    static Run ok(Run r) {
        assertEquals(0, r.code(), r.output());
        return r;
    }

    /** Sends alert files to a topic, each acknowledged, with a pause after each (0 = none). */
    static void send(KafkaProducer<byte[], byte[]> producer, String topic, List<Path> files, long pauseMs) {
        sendValues(producer, topic, files.stream().map(Alerts::bytes).toList(), pauseMs);
    }

    /** Sends record values to a topic, each acknowledged, with a pause after each (0 = none). */
    static void sendValues(KafkaProducer<byte[], byte[]> producer, String topic, List<byte[]> values, long pauseMs) {
        try {
            for (byte[] v : values) {
                producer.send(new ProducerRecord<>(topic, null, v)).get();
                if (pauseMs > 0) {
                    Thread.sleep(pauseMs);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the next install outcome the follower reports within 60 s */
    static Outcome next(BlockingQueue<Outcome> outcomes) throws InterruptedException {
        Outcome o = outcomes.poll(60, TimeUnit.SECONDS);
        assertNotNull(o, "the follower reported no install attempt within 60 s");
        return o;
    }

    /** @return the follower's first outcome (its catch-up), waited for up to 60 s */
    static Outcome firstOutcome(Supplier<Outcome> last) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (last.get() == null && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertNotNull(last.get(), "no catch-up outcome within 60 s");
        return last.get();
    }
}
