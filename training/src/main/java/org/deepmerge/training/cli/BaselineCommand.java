package org.deepmerge.training.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.Split;
import org.deepmerge.training.eval.AsymmetryBaseline;
import org.deepmerge.training.eval.Evaluator;
import org.deepmerge.training.eval.ReportWriter;
import org.deepmerge.training.train.DatasetFingerprint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code baseline}: the rotational-asymmetry baseline a CNN must beat, on the test part of a split. */
@Command(name = "baseline", mixinStandardHelpOptions = true,
        description = "Rotational asymmetry A = sum|I - I_rot180| / sum|I| on the central box, calibrated on the training part; metrics on the test part.")
public final class BaselineCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Option(names = "--central-fraction", defaultValue = "auto",
            description = "Central box side / image side, or auto: the grid value with the best ROC AUC on the training part (default: ${DEFAULT-VALUE}).")
    String centralFraction;

    @Option(names = "--report", description = "Write report.md, report.json and figures here.")
    Path report;

    @Option(names = "--resamples", defaultValue = "1000", description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).")
    int resamples;

    @Option(names = "--seed", defaultValue = "42", description = "Bootstrap seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        ImageDataset d = data.load();
        Split split = data.split(d, DatasetFingerprint.of(d));
        AsymmetryBaseline a = EvaluateCommand.asymmetry(d, split, centralFraction);
        Evaluator.Result r = new Evaluator(resamples, seed).evaluate("asymmetry", a, d, split.test());
        if (report != null) {
            ReportWriter.write(report, r, d, null, null, List.of("data: `" + d.source() + "`, test part of a stratified split, seed "
                    + data.splitSeed, "asymmetry over the central " + a.centralFraction() + " of the image side (" + centralFraction + "); logistic calibration on "
                    + split.train().length + " training images"));
        }
        System.out.println(ReportWriter.table(List.of(r.report())));
        return 0;
    }
}
