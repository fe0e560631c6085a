package org.deepmerge.app.demo;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deepmerge.core.model.ModelIdentity;

/**
 * The outcome of one demo run.
 *
 * @param source       what was replayed (a description)
 * @param sent         messages produced to the input topic
 * @param skipped      archive entries that could not be read and were not sent
 * @param scores       committed scores read back (read_committed), one per scored input
 * @param deadLetters  dead-letter count by {@code deepmerge.reason} header
 * @param latenciesMs  per score: score timestamp minus input append timestamp, ms
 * @param elapsedMs    first input append to last score timestamp, ms
 * @param model        the model that scored (name, version, SHA-256 of the ONNX file)
 * @param truth        for synthetic inputs, source id to merger label (true = merger); empty for real alerts
 * @param topK         how many top-scoring objects to print
 */
public record DemoSummary(String source, long sent, long skipped, List<Scored> scores, Map<String, Long> deadLetters,
                          long[] latenciesMs, long elapsedMs, ModelIdentity model, Map<String, Boolean> truth,
                          int topK) {

    /**
     * One score as read back.
     *
     * @param sourceId source id (candid, diaSourceId, Cutout id)
     * @param objectId object id, or null
     * @param ra       right ascension, degrees
     * @param dec      declination, degrees
     * @param pMerger  merger probability, 0 to 1; NaN when the input was not applicable
     * @param notApplicable the applicability gate's reason ({@code REASON: detail}) when the input was not scored by
     *                      the model, else null
     */
    public record Scored(String sourceId, String objectId, double ra, double dec, double pMerger, String notApplicable) {

        /** @return true when the model scored the input */
        public boolean applicable() {
            return notApplicable == null;
        }

        /** @return the reason's name (text before the first colon), or null when applicable */
        public String reasonName() {
            if (notApplicable == null) {
                return null;
            }
            int colon = notApplicable.indexOf(':');
            return colon < 0 ? notApplicable : notApplicable.substring(0, colon);
        }
    }

    /** @return total dead letters */
    public long deadLettered() {
        return deadLetters.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * @param q quantile in [0, 1]
     * @return nearest-rank percentile of the latencies, ms, or -1 when there are none
     */
    public long latencyPercentile(double q) {
        if (latenciesMs.length == 0) {
            return -1;
        }
        long[] s = latenciesMs.clone();
        Arrays.sort(s);
        int rank = (int) Math.ceil(q * s.length);
        return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
    }

    /**
     * ROC AUC of p(merger) against the truth over the inputs the model scored (not-applicable ones have no
     * p(merger)), by the Mann-Whitney U statistic with ties counted half (Hanley &amp; McNeil 1982): the probability
     * that a random merger scores above a random non-merger.
     *
     * @return the AUC, or NaN when there is no truth or only one class was scored
     */
    public double rocAuc() {
        List<Double> pos = new ArrayList<>();
        List<Double> neg = new ArrayList<>();
        for (Scored s : scores) {
            Boolean t = truth.get(s.sourceId());
            if (t != null && s.applicable()) {
                (t ? pos : neg).add(s.pMerger());
            }
        }
        if (pos.isEmpty() || neg.isEmpty()) {
            return Double.NaN;
        }
        double u = 0;
        for (double p : pos) {
            for (double n : neg) {
                u += p > n ? 1 : p == n ? 0.5 : 0;
            }
        }
        return u / ((double) pos.size() * neg.size());
    }

    /** @return fraction of labelled, model-scored inputs where (p &gt;= 0.5) equals the truth, or NaN without truth */
    public double accuracy() {
        long n = 0;
        long right = 0;
        for (Scored s : scores) {
            Boolean t = truth.get(s.sourceId());
            if (t != null && s.applicable()) {
                n++;
                right += (s.pMerger() >= 0.5) == t ? 1 : 0;
            }
        }
        return n == 0 ? Double.NaN : right / (double) n;
    }

    /**
     * Prints the readable summary: counts, latency percentiles, throughput, model identity, top-K objects and,
     * for synthetic inputs, ROC AUC and accuracy.
     *
     * @param out where to print
     */
    public void print(PrintWriter out) {
        out.println("DeepMerge demo: " + source);
        out.printf(Locale.ROOT, "  sent:          %d%n", sent);
        if (skipped > 0) {
            out.printf(Locale.ROOT, "  skipped:       %d (unreadable archive entries, not sent)%n", skipped);
        }
        long notApplicable = scores.stream().filter(x -> !x.applicable()).count();
        out.printf(Locale.ROOT, "  scored:        %d (not applicable %d: no merger probability, see docs/science.md)%n",
                scores.size(), notApplicable);
        scores.stream().filter(x -> !x.applicable()).collect(java.util.stream.Collectors.groupingBy(Scored::reasonName,
                java.util.TreeMap::new, java.util.stream.Collectors.counting()))
                .forEach((reason, n) -> out.printf(Locale.ROOT, "    %-22s %d%n", reason, n));
        out.printf(Locale.ROOT, "  dead-lettered: %d%n", deadLettered());
        deadLetters.forEach((reason, n) -> out.printf(Locale.ROOT, "    %-22s %d%n", reason, n));
        out.printf(Locale.ROOT, "  latency (score time - input append time): p50 %d ms, p95 %d ms, p99 %d ms%n",
                latencyPercentile(0.50), latencyPercentile(0.95), latencyPercentile(0.99));
        double secs = Math.max(1, elapsedMs) / 1000.0;
        out.printf(Locale.ROOT, "  throughput:    %.1f alerts/s (%d in %.2f s, first append to last score)%n",
                (scores.size() + deadLettered()) / secs, scores.size() + deadLettered(), secs);
        out.printf(Locale.ROOT, "  model:         %s %s%n", model.name(), model.version());
        out.printf(Locale.ROOT, "  model sha256:  %s%n", model.sha256());
        if (!truth.isEmpty()) {
            out.printf(Locale.ROOT, "  vs generator truth (%d mergers of %d; the %d scored by the model): ROC AUC %.3f,"
                    + " accuracy %.3f at p >= 0.5%n", truth.values().stream().filter(b -> b).count(), truth.size(),
                    scores.size() - notApplicable, rocAuc(), accuracy());
        }
        List<Scored> top = scores.stream().filter(Scored::applicable).sorted(Comparator.comparingDouble(Scored::pMerger).reversed()
                .thenComparing(Scored::sourceId)).limit(topK).toList();
        if (!top.isEmpty()) {
            out.printf(Locale.ROOT, "  top %d by p(merger):%n", top.size());
            out.printf(Locale.ROOT, "    %-22s %-16s %10s %10s %8s%s%n", "source id", "object id", "ra", "dec", "p",
                    truth.isEmpty() ? "" : "  truth");
            for (Scored s : top) {
                Boolean t = truth.get(s.sourceId());
                out.printf(Locale.ROOT, "    %-22s %-16s %10.5f %10.5f %8.4f%s%n", s.sourceId(),
                        s.objectId() == null ? "-" : s.objectId(), s.ra(), s.dec(), s.pMerger(),
                        t == null ? "" : t ? "  merger" : "  isolated");
            }
        }
    }
}
