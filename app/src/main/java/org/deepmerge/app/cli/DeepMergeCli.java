package org.deepmerge.app.cli;

import org.deepmerge.core.DeepMergeException;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code deepmerge} command: entry point of {@code app/target/deepmerge.jar} (and of
 * {@code bench/target/deepmerge-bench.jar}, which adds {@code bench}). Subcommands of other modules on the class path
 * join it through {@link ServiceLoader} as {@link DeepMergeSubcommand}s.
 */
@Command(name = "deepmerge", mixinStandardHelpOptions = true, version = "deepmerge 0.1.0-SNAPSHOT",
        description = "Galaxy-merger scores for astronomical alert streams (DeepMerge CNN, ONNX Runtime, Kafka Streams).",
        subcommands = {ScoreCommand.class, ServeCommand.class, BrokerCommand.class, ReplayCommand.class, DemoCommand.class,
                ModelsCommand.class,
                CommandLine.HelpCommand.class})
public final class DeepMergeCli implements Runnable {
    /** Exit code of a command that failed (bad configuration, unreadable input, a run that could not complete). */
    public static final int EXIT_FAILED = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        trustAvroPackage();
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line as {@link #main} runs it: enum values are case-insensitive ({@code --format CSV} or
     * {@code csv}); a {@link DeepMergeException} that a subcommand lets through (serve, replay, broker) is printed as
     * one line, {@code deepmerge <command>: <REASON>: <message>}, with exit code {@link #EXIT_FAILED}, not as a stack
     * trace; other exceptions propagate as picocli reports them.
     *
     * @return a new command line for {@code deepmerge}
     */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new DeepMergeCli());
        for (DeepMergeSubcommand extra : ServiceLoader.load(DeepMergeSubcommand.class)) {
            cli.addSubcommand(extra);
        }
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, command, parseResult) -> {
            if (!(e instanceof DeepMergeException d)) {
                throw e;
            }
            command.getErr().println("deepmerge " + command.getCommandName() + ": " + d.reason() + ": " + d.getMessage());
            command.getErr().flush();
            return EXIT_FAILED;
        });
        return cli;
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
