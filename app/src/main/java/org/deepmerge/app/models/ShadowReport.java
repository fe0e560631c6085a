package org.deepmerge.app.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.model.ShadowComparison;

/**
 * What {@code deepmerge models compare} prints: the live scores (output topic) and the shadow scores (shadow topic)
 * joined by source id, one {@link ShadowComparison} per pair of models (the scorer's meters start a new comparison
 * whenever the live or the shadow model changes, so these groups are what they show). A pair is an input with an
 * applicable live score and a shadow score; when a topic holds several records for a source id (a re-scored input)
 * the last one counts. Kafka-free: the command feeds it the decoded records.
 */
public final class ShadowReport {
    /**
     * The comparison of one live model with one shadow model.
     *
     * @param live    live model {@code name version (sha256 ...)}
     * @param shadow  shadow model, likewise
     * @param summary the figures
     */
    public record Group(String live, String shadow, ShadowComparison.Summary summary) {
    }

    private final Map<String, MergerScore> live = new HashMap<>();
    private final Map<String, MergerScore> shadow = new LinkedHashMap<>();
    private long liveRecords;
    private long shadowRecords;

    /** @param s a record of the output topic (null values are ignored) */
    public void live(MergerScore s) {
        if (s != null) {
            liveRecords++;
            live.put(s.getSourceId(), s);
        }
    }

    /** @param s a record of the shadow topic (null values are ignored) */
    public void shadow(MergerScore s) {
        if (s != null) {
            shadowRecords++;
            shadow.put(s.getSourceId(), s);
        }
    }

    private static String model(MergerScore s) {
        return s.getModelName() + " " + s.getModelVersion() + " (sha256 " + s.getModelSha256() + ")";
    }

    /**
     * @param threshold decision threshold on p(merger)
     * @return one group per (live model, shadow model), in order of first appearance on the shadow topic
     */
    public List<Group> groups(double threshold) {
        Map<List<String>, List<double[]>> pairs = new LinkedHashMap<>();
        for (MergerScore s : shadow.values()) {
            MergerScore l = live.get(s.getSourceId());
            if (l == null || l.getPMerger() == null || s.getPMerger() == null) {
                continue;
            }
            pairs.computeIfAbsent(List.of(model(l), model(s)), k -> new ArrayList<>())
                    .add(new double[] {l.getPMerger(), s.getPMerger()});
        }
        List<Group> out = new ArrayList<>();
        pairs.forEach((models, ps) -> {
            ShadowComparison c = new ShadowComparison(threshold, Math.max(2, ps.size()));
            ps.forEach(p -> c.add(p[0], p[1]));
            out.add(new Group(models.get(0), models.get(1), c.summary()));
        });
        return out;
    }

    /** @return shadow records whose source id has no applicable live score */
    public long unpaired() {
        return shadow.values().stream().filter(s -> {
            MergerScore l = live.get(s.getSourceId());
            return l == null || l.getPMerger() == null;
        }).count();
    }

    /**
     * @param threshold decision threshold
     * @return the report for people: per model pair n, Spearman, agreement, mean |Δp| and the 2x2 decision table
     */
    public String text(double threshold) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "read %d live and %d shadow records; %d shadow records without an "
                + "applicable live score%n", liveRecords, shadowRecords, unpaired()));
        List<Group> groups = groups(threshold);
        if (groups.isEmpty()) {
            b.append("no pairs: no input has both an applicable live score and a shadow score\n");
        }
        for (Group g : groups) {
            ShadowComparison.Summary s = g.summary();
            String t = String.format(Locale.ROOT, "%.2f", threshold);
            b.append(String.format(Locale.ROOT, "%nlive   %s%nshadow %s%n", g.live(), g.shadow()));
            b.append(String.format(Locale.ROOT, "  n                  %d%n", s.pairs()));
            b.append(String.format(Locale.ROOT, "  spearman           %.4f%n", s.spearman()));
            b.append(String.format(Locale.ROOT, "  agreement at %s  %.4f (%d of %d)%n", t, s.agreement(),
                    s.bothPositive() + s.bothNegative(), s.pairs()));
            b.append(String.format(Locale.ROOT, "  mean |dp|          %.4f%n", s.meanAbsDelta()));
            b.append(String.format(Locale.ROOT, "  %-18s %14s %14s%n", "", "shadow >= " + t, "shadow < " + t));
            b.append(String.format(Locale.ROOT, "  %-18s %14d %14d%n", "live >= " + t, s.bothPositive(), s.liveOnly()));
            b.append(String.format(Locale.ROOT, "  %-18s %14d %14d%n", "live < " + t, s.shadowOnly(), s.bothNegative()));
        }
        return b.toString().stripTrailing();
    }

    /**
     * @param threshold decision threshold
     * @return the report as one JSON object: {@code liveRecords}, {@code shadowRecords}, {@code unpaired},
     *         {@code threshold} and {@code comparisons} (live, shadow, n, spearman (null when undefined), agreement,
     *         meanAbsDelta, table {liveYesShadowYes, liveYesShadowNo, liveNoShadowYes, liveNoShadowNo})
     */
    public String json(double threshold) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("liveRecords", liveRecords).put("shadowRecords", shadowRecords).put("unpaired", unpaired())
                .put("threshold", threshold);
        ArrayNode arr = root.putArray("comparisons");
        for (Group g : groups(threshold)) {
            ShadowComparison.Summary s = g.summary();
            ObjectNode o = arr.addObject().put("live", g.live()).put("shadow", g.shadow()).put("n", s.pairs());
            number(o, "spearman", s.spearman());
            number(o, "agreement", s.agreement());
            number(o, "meanAbsDelta", s.meanAbsDelta());
            o.putObject("table").put("liveYesShadowYes", s.bothPositive()).put("liveYesShadowNo", s.liveOnly())
                    .put("liveNoShadowYes", s.shadowOnly()).put("liveNoShadowNo", s.bothNegative());
        }
        return root.toString();
    }

    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }
}
