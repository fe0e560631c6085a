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
        System.exit(new CommandLine(new DeepMergeCli()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
