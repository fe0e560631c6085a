package org.deepmerge.training.cli;

import java.io.PrintWriter;
import org.deepmerge.core.DeepMergeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar training/target/deepmerge-train.jar <command>}: train, evaluate, explain, finetune, baseline, export,
 * calibrate and publish. Exit codes as the {@code deepmerge} command's: 0 success, {@value #EXIT_FAILED} for a usage
 * error or a failed command (one line {@code error (REASON): message}, whatever the reason: INVALID_CONFIG, IO_ERROR,
 * INVALID_MODEL, ...), 1 only for an unexpected exception (a bug; picocli prints its stack trace).
 */
@Command(name = "deepmerge-train", mixinStandardHelpOptions = true, version = "deepmerge-train 0.1.0",
        description = "Train, evaluate and fine-tune DeepMerge/DeepShadows galaxy-merger CNNs (DL4J).",
        subcommands = {TrainCommand.class, ReobserveCommand.class, EvaluateCommand.class, CalibrateCommand.class,
                InvarianceCommand.class, SheetCommand.class, ExplainCommand.class, FineTuneCommand.class, BaselineCommand.class, ExportCommand.class,
                Fp16Command.class, org.deepmerge.training.publish.PublishCommand.class, SimulateCommand.class})
public final class TrainCli {
    /** Exit code of a usage error or a failed command, as {@code deepmerge}'s {@code DeepMergeCli.EXIT_FAILED}. */
    public static final int EXIT_FAILED = 2;

    /**
     * @param args command line
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** @return the configured command line (also used by tests) */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TrainCli());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        DataOptions.requireDataOption(cl.getSubcommands().get("baseline").getCommandSpec());
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            PrintWriter err = line.getErr();
            if (ex instanceof DeepMergeException d) {
                err.println("error (" + d.reason() + "): " + d.getMessage());
                err.flush();
                return EXIT_FAILED;
            }
            throw ex;
        });
        return cl;
    }

    /**
     * Limits ND4J's native threads (OpenMP); on shared machines 1 is much faster than spinning threads.
     *
     * @param threads threads, &lt;= 0 to keep ND4J's default
     */
    static void threads(int threads) {
        if (threads > 0) {
            org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxThreads(threads);
            org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxMasterThreads(threads);
        }
    }
}
