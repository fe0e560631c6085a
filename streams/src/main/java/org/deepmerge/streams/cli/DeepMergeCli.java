package org.deepmerge.streams.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code deepmerge} command: entry point of {@code streams/target/deepmerge.jar}. */
@Command(name = "deepmerge", mixinStandardHelpOptions = true, version = "deepmerge 0.1.0-SNAPSHOT",
        description = "Galaxy-merger scores for astronomical alert streams (DeepMerge CNN, ONNX Runtime, Kafka Streams).",
        subcommands = {ScoreCommand.class, ServeCommand.class, BrokerCommand.class, ReplayCommand.class, DemoCommand.class,
                CommandLine.HelpCommand.class,
                BenchCommand.class})
public final class DeepMergeCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        trustAvroPackage();
        System.exit(new CommandLine(new DeepMergeCli()).execute(args));
    }

    /**
     * Avro 1.12 refuses to instantiate generated classes from packages it is not told to trust
     * ({@code org.apache.avro.SERIALIZABLE_PACKAGES}); our generated records live in {@code org.deepmerge.avro.v1}.
     * Applications embedding the topology set the same property themselves.
     */
    static void trustAvroPackage() {
        String key = "org.apache.avro.SERIALIZABLE_PACKAGES";
        String current = System.getProperty(key);
        if (current == null || current.isBlank()) {
            System.setProperty(key, "org.deepmerge.avro.v1");
        } else if (!current.contains("org.deepmerge.avro.v1")) {
            System.setProperty(key, current + ",org.deepmerge.avro.v1");
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
