package org.deepmerge.app.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.app.demo.DemoOptions;
import org.deepmerge.app.demo.DemoRunner;
import org.deepmerge.app.demo.DemoSummary;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deepmerge demo}: the whole pipeline on one machine in one command ({@link DemoRunner}): embedded broker,
 * topics, replay of synthetic cutouts (default) or real alerts ({@code --alerts}), exactly-once scoring, and a
 * summary of counts, latency percentiles, throughput, model identity and top-scoring objects on stdout. Progress
 * goes to stderr. Exit code 0 on success, 2 on failure (the error is printed with its reason).
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run broker + replay + exactly-once scoring in one JVM and summarise the scores.")
public final class DemoCommand implements Callable<Integer> {
    /** Exit code on failure. */
    public static final int FAILED = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--alerts", paramLabel = "PATH", arity = "1..*",
            description = "Replay real alerts (files, directories, .tar.gz/.tgz/.tar) instead of synthetic cutouts.")
    List<Path> alerts = new ArrayList<>();

    @Option(names = "--count", paramLabel = "N", defaultValue = "500",
            description = "Synthetic cutouts to generate, half of them mergers (default: ${DEFAULT-VALUE}; ignored with --alerts).")
    int count;

    @Option(names = "--model", paramLabel = "FILE", description = "ONNX model (default: the model embedded in the jar).")
    Path model;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Synthetic generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--top", paramLabel = "K", defaultValue = "10", description = "Top-scoring objects to list (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "Fail if not every input is scored or dead-lettered within this time (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @CommandLine.Mixin
    ContractOptions contract;

    @Override
    public Integer call() {
        java.io.PrintWriter out = spec.commandLine().getOut();
        java.io.PrintWriter err = spec.commandLine().getErr();
        try {
            ContractOverrides overrides = contract.overrides();
            DemoSummary summary = DemoRunner.run(new DemoOptions(alerts, count, model, overrides, seed, top,
                    Duration.ofSeconds(timeoutSeconds)), err);
            summary.print(out);
            out.flush();
            return 0;
        } catch (DeepMergeException e) {
            err.println("demo failed: " + e.reason() + ": " + e.getMessage());
            return FAILED;
        } catch (RuntimeException e) {
            err.println("demo failed: " + e);
            e.printStackTrace(err);
            return FAILED;
        }
    }
}
