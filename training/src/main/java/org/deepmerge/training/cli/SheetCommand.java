package org.deepmerge.training.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.archive.AlertSource;
import org.deepmerge.core.archive.AlertSourceEntry;
import org.deepmerge.core.fits.StampLimits;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.pipeline.CutoutPipeline;
import org.deepmerge.core.pipeline.PreparedImage;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.training.eval.ContactSheet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code deepmerge-train sheet}: what a model sees on real alerts and what it says. Scores alert files, directories or
 * archives through the serving path ({@link CutoutPipeline}, the core {@link OnnxScorer}) and draws the model inputs
 * (first channel, after preprocessing) of the highest and lowest scored alerts as a PNG contact sheet, captioned with
 * the object id and p(merger); with {@code --not-applicable}, the inputs the applicability gate keeps from the model,
 * captioned with the reason. Counts (scored, not applicable by reason, rejected) go to stderr.
 */
@Command(name = "sheet", mixinStandardHelpOptions = true,
        description = "Contact sheet of the model inputs of the top and bottom scored alerts (PNG).")
public final class SheetCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "ONNX model.")
    Path model;

    @Option(names = "--out", required = true, description = "PNG file to write.")
    Path out;

    @Option(names = "--top", defaultValue = "12", description = "How many top and bottom scored alerts (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--title", description = "Title line (default: model and inputs).")
    String title;

    @Option(names = "--not-applicable", description = "Draw the inputs the applicability gate keeps from the model instead,"
            + " captioned with the reason (up to 2 x --top, taken from each reason in turn).")
    boolean notApplicable;

    @Parameters(arity = "1..*", description = "Alert files, directories or archives.")
    List<Path> inputs;

    private record Scored(String id, float[] image, Prediction p) {
    }

    private record Skipped(String id, float[] image, String reason) {
    }

    @Override
    public Integer call() throws Exception {
        List<Scored> scored = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        java.util.Map<String, Integer> reasons = new java.util.TreeMap<>();
        int rejected = 0;
        int total = 0;
        try (OnnxScorer scorer = OnnxScorer.open(model, ScorerOptions.defaults(), null);
             AlertSource source = AlertSource.open(inputs, AlertSource.DEFAULT_MAX_ENTRY_BYTES)) {
            ModelContract contract = scorer.contract();
            CutoutPipeline pipeline = CutoutPipeline.create(contract, null, ChannelMapping.defaults(), StampLimits.defaults());
            AlertSourceEntry e;
            while ((e = source.next()) != null) {
                total++;
                if (!e.readable()) {
                    rejected++;
                    continue;
                }
                try {
                    PreparedImage img = pipeline.prepare(e.bytes());
                    String id = img.alert().objectId() != null ? img.alert().objectId() : img.alert().sourceId();
                    if (!img.applicable()) {
                        reasons.merge(img.applicability().reason().name(), 1, Integer::sum);
                        skipped.add(new Skipped(id, img.image(), img.applicability().reason().name()));
                        continue;
                    }
                    Prediction p = scorer.score(img.image(), 1).get(0);
                    scored.add(new Scored(id, img.image(), p));
                } catch (DeepMergeException ex) {
                    rejected++;
                    System.err.println("sheet: " + e.location() + ": " + ex.reason() + ": " + ex.getMessage());
                }
            }
            int plane = contract.height() * contract.width();
            System.err.printf(Locale.ROOT, "sheet: %d inputs, %d scored, %d not applicable %s, %d rejected%n", total,
                    scored.size(), skipped.size(), reasons, rejected);
            if (notApplicable) {
                List<ContactSheet.Tile> tiles = new ArrayList<>();
                java.util.Map<String, List<Skipped>> byReason = new java.util.TreeMap<>();
                for (Skipped s : skipped) {
                    byReason.computeIfAbsent(s.reason(), r -> new ArrayList<>()).add(s);
                }
                List<Skipped> shown = new ArrayList<>();
                for (int i = 0; shown.size() < Math.min(skipped.size(), 2 * top); i++) {
                    for (List<Skipped> group : byReason.values()) {
                        if (i < group.size() && shown.size() < 2 * top) {
                            shown.add(group.get(i));
                        }
                    }
                }
                for (Skipped s : shown) {
                    tiles.add(new ContactSheet.Tile(java.util.Arrays.copyOf(s.image(), plane), contract.width(),
                            contract.height(), shortId(s.id()) + " " + shortReason(s.reason())));
                }
                String t = title != null ? title : String.format(Locale.ROOT, "not applicable to %s: %d of %d %s",
                        contract.modelName(), skipped.size(), total, reasons);
                ContactSheet.write(tiles, 6, 4, -0.1f, 1.1f, t, out);
                return 0;
            }
            scored.sort(Comparator.comparingDouble((Scored s) -> s.p().logit()).reversed());
            int k = Math.min(top, (scored.size() + 1) / 2);
            List<ContactSheet.Tile> tiles = new ArrayList<>();
            List<Scored> picked = new ArrayList<>(scored.subList(0, k));
            picked.addAll(scored.subList(scored.size() - k, scored.size()));
            for (Scored s : picked) {
                float[] first = java.util.Arrays.copyOf(s.image(), plane);
                tiles.add(new ContactSheet.Tile(first, contract.width(), contract.height(),
                        String.format(Locale.ROOT, "%s p=%.3f", shortId(s.id()), s.p().pMerger())));
            }
            String t = title != null ? title : String.format(Locale.ROOT, "%s %s: top %d (first rows) and bottom %d of %d scored",
                    contract.modelName(), contract.modelVersion(), k, k, scored.size());
            ContactSheet.write(tiles, Math.max(1, Math.min(6, k)), 4, -0.1f, 1.1f, t, out);
        }
        return 0;
    }

    private static String shortReason(String reason) {
        return switch (reason) {
            case "POINT_SOURCE_CATALOGUE" -> "PS1 star";
            case "POINT_SOURCE_STAMP" -> "point-like";
            case "EMPTY_STAMP" -> "empty";
            case "STAMP_TOO_SMALL" -> "too small";
            case "OUT_OF_RANGE" -> "out of range";
            default -> reason.toLowerCase(Locale.ROOT);
        };
    }

    private static String shortId(String id) {
        return id.length() > 14 ? id.substring(id.length() - 14) : id;
    }
}
