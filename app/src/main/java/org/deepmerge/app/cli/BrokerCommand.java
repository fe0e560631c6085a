package org.deepmerge.app.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.deepmerge.app.broker.DevBroker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deepmerge broker}: a real single-node KRaft Kafka broker in this JVM on 127.0.0.1 for development and
 * demos. Prints {@code bootstrap=127.0.0.1:PORT} on standard output once it accepts clients; stops cleanly on
 * SIGTERM or Ctrl-C (JVM shutdown hook); restarting with the same {@code --data-dir} keeps topics and records.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run a single-node KRaft Kafka broker in-JVM on 127.0.0.1 (development/demo). Stops on SIGTERM/Ctrl-C.")
public final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "9092", description = "Client port on 127.0.0.1; 0 picks a free one (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", defaultValue = "${sys:java.io.tmpdir}/deepmerge-broker",
            description = "Log directory; formatted on first use, reused with its data afterwards (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        DevBroker broker = DevBroker.start(dataDir, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("stopping broker ...");
            broker.close();
            stopped.countDown();
        }, "deepmerge-broker-shutdown"));
        System.out.println("bootstrap=" + broker.bootstrapServers());
        System.out.println("data-dir=" + dataDir.toAbsolutePath());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
