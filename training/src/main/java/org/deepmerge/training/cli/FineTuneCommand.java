package org.deepmerge.training.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.Split;
import org.deepmerge.training.eval.EvaluationReport;
import org.deepmerge.training.eval.Evaluator;
import org.deepmerge.training.eval.ReportWriter;
import org.deepmerge.training.eval.TransferComparison;
import org.deepmerge.training.train.Checkpoints;
import org.deepmerge.training.train.DatasetFingerprint;
import org.deepmerge.training.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code finetune}: transfer a trained model to a new dataset; compare source-only, fine-tuned and from-scratch. */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = "Fine-tune a checkpoint on a new dataset with frozen conv blocks and a label budget; writes comparison.md/json.")
public final class FineTuneCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Option(names = "--model", required = true, description = "Source DL4J checkpoint.")
    Path model;

    @Option(names = "--labels", defaultValue = "0", description = "Label budget (training + validation labels); 0 = all.")
    int labels;

    @Option(names = "--freeze", defaultValue = "3", description = "Conv blocks to freeze from the input (default: ${DEFAULT-VALUE}).")
    int freeze;

    @Option(names = "--keep-head", description = "Start from the source's dense head instead of re-initialising it.")
    boolean keepHead;

    @Option(names = "--epochs", defaultValue = "100", description = "Maximum epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "0.001", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--patience", defaultValue = "20", description = "Early-stopping patience (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-augment", description = "Do not augment the minority class.")
    boolean noAugment;

    @Option(names = "--class-weights", description = "Balanced class weights in the loss.")
    boolean classWeights;

    @Option(names = "--resamples", defaultValue = "1000", description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).")
    int resamples;

    @Option(names = "--out", required = true, description = "Output directory (finetuned/, scratch/, comparison.md, comparison.json).")
    Path out;

    @Option(names = "--threads", defaultValue = "0", description = "Native (OpenMP) threads; 0 = ND4J default.")
    int threads;

    @Override
    public Integer call() throws Exception {
        TrainCli.threads(threads);
        Checkpoints.Loaded source = Checkpoints.load(model);
        ImageDataset d = data.load();
        System.err.println("target: " + d);
        Split split = data.split(d, DatasetFingerprint.of(d));
        TrainConfig cfg = new TrainConfig(epochs, batchSize, lr, patience, seed, !noAugment, classWeights, out).validate();
        TransferComparison.Outcome o = TransferComparison.run(source, model, d, split, labels, freeze, !keepHead, cfg,
                new Evaluator(resamples, seed), System.err);
        List<EvaluationReport> rows = List.of(o.sourceOnly().report(), o.fineTuned().report(), o.scratch().report());
        String table = ReportWriter.table(rows);
        Files.createDirectories(out);
        Files.writeString(out.resolve("comparison.md"), "# Fine-tuning comparison\n\n- source model: `" + model + "`\n- target: `"
                + d.source() + "`, test part (" + split.test().length + " images) of "
                + (data.splitFile != null ? "`" + data.splitFile + "`" : "a stratified split, seed " + data.splitSeed)
                + "\n- label budget: " + o.labels() + " (training + validation), frozen conv blocks: " + freeze
                + (keepHead ? ", source head kept" : ", dense head re-initialised") + "\n\n" + table + "\n");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("source_only", o.sourceOnly().report().toJsonMap());
        json.put("fine_tuned", o.fineTuned().report().toJsonMap());
        json.put("from_scratch", o.scratch().report().toJsonMap());
        json.put("labels", o.labels());
        json.put("frozen_blocks", freeze);
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("comparison.json").toFile(), json);
        System.out.println(table);
        return 0;
    }
}
