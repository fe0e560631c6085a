package org.deepmerge.training.eval;

import org.deepmerge.core.io.Csv;
import org.deepmerge.training.data.LabelsCsv;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.archive.AlertSource;
import org.deepmerge.core.archive.AlertSourceEntry;
import org.deepmerge.core.fits.StampLimits;
import org.deepmerge.core.gate.GateConfig;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.pipeline.CutoutPipeline;
import org.deepmerge.core.pipeline.PreparedImage;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.training.data.ImageDataset;

/**
 * Labelled alerts as model inputs, prepared by the same {@link CutoutPipeline} that {@code deepmerge score} runs
 * ({@code CutoutPipeline.create(contract, null, ChannelMapping.defaults(), StampLimits.defaults())}): alert files,
 * directories and tar archives ({@link AlertSource}), every record of a container file. Alerts the pipeline rejects
 * and alerts without a label are kept in lists with their location, never dropped silently.
 */
public final class AlertEvaluation {
    private AlertEvaluation() {
    }

    /**
     * An input the pipeline could not turn into a model input.
     *
     * @param location file, archive entry or {@code file[k]} for record k of a container file
     * @param reason   {@link DeepMergeException.Reason} name
     * @param message  the error message
     */
    public record Rejected(String location, String reason, String message) {
    }

    /**
     * A prepared alert with no row in the labels file.
     *
     * @param location where it was read
     * @param objectId its object id (may be null)
     * @param sourceId its source id
     */
    public record Unlabelled(String location, String objectId, String sourceId) {
    }

    /**
     * The labelled model inputs and what was left out.
     *
     * @param images     labelled alerts, model inputs {@code [N,C,H,W]}, ids {@code objectId/sourceId}
     * @param read       alerts read (records), rejected ones included
     * @param rejected   inputs the pipeline rejected, in input order
     * @param unlabelled prepared alerts without a label, in input order
     */
    public record Prepared(ImageDataset images, int read, List<Rejected> rejected, List<Unlabelled> unlabelled) {
    }

    /**
     * Labels by id: a {@code sourceId} row labels that alert, an {@code objectId} row every alert of the object;
     * a source id wins over an object id.
     *
     * @param bySource label by source id
     * @param byObject label by object id
     */
    public record Labels(Map<String, Integer> bySource, Map<String, Integer> byObject) {
        /**
         * @param a an alert
         * @return its label, or null
         */
        public Integer of(Alert a) {
            Integer l = a.sourceId() == null ? null : bySource.get(a.sourceId());
            return l != null || a.objectId() == null ? l : byObject.get(a.objectId());
        }

        /**
         * Reads a labels CSV: header row with {@code label} (0/1) and {@code objectId} and/or {@code sourceId}
         * (a row may leave one of them empty).
         *
         * @param csv the file
         * @return the labels
         * @throws DeepMergeException IO_ERROR, INVALID_CONFIG (no label column, no id column, a row without id,
         *                            one id with two different labels), WRONG_SHAPE (label not 0/1)
         */
        public static Labels read(Path csv) throws DeepMergeException {
            Csv.Table t = Csv.read(csv);
            int label = t.requireColumn("label");
            int src = t.column("sourceId");
            int obj = t.column("objectId");
            if (src < 0 && obj < 0) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, csv + ": needs a column objectId or sourceId, header "
                        + String.join(",", t.header()));
            }
            Map<String, Integer> bySource = new HashMap<>();
            Map<String, Integer> byObject = new HashMap<>();
            for (Csv.Row r : t.rows()) {
                int y = LabelsCsv.label(r.get(label), csv, r.line());
                String s = src >= 0 ? r.get(src) : "";
                String o = obj >= 0 ? r.get(obj) : "";
                if (s.isEmpty() && o.isEmpty()) {
                    throw new DeepMergeException(Reason.INVALID_CONFIG, csv + ":" + r.line() + ": neither sourceId nor objectId");
                }
                put(s.isEmpty() ? byObject : bySource, s.isEmpty() ? o : s, y, csv, r.line());
            }
            return new Labels(Map.copyOf(bySource), Map.copyOf(byObject));
        }

        private static void put(Map<String, Integer> m, String id, int y, Path csv, int line) throws DeepMergeException {
            Integer old = m.put(id, y);
            if (old != null && old != y) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, csv + ":" + line + ": " + id + " labelled both 0 and 1");
            }
        }
    }

    /**
     * @param inputs   alert files, directories, .tar.gz archives
     * @param labels   the labels
     * @param contract the model contract (the pipeline prepares inputs for it)
     * @return labelled model inputs, rejects and unlabelled alerts
     * @throws DeepMergeException IO_ERROR / INVALID_CONFIG when an input cannot be opened; WRONG_SHAPE when no alert
     *                            is both prepared and labelled (nothing to evaluate)
     */
    public static Prepared prepare(List<Path> inputs, Labels labels, ModelContract contract) throws DeepMergeException {
        return prepare(inputs, labels, contract, GateConfig.defaults());
    }

    /**
     * As {@link #prepare(List, Labels, ModelContract)} with a given applicability gate: alerts the gate keeps from
     * the model (as {@code deepmerge score} would) are listed with the rejects, reason {@code NOT_APPLICABLE}, and not
     * evaluated; {@link GateConfig#disabled()} evaluates every prepared alert.
     *
     * @param inputs   alert files, directories or archives
     * @param labels   the labels
     * @param contract the model contract
     * @param gate     the applicability gate
     * @return labelled model inputs, rejects (including not-applicable alerts) and unlabelled alerts
     * @throws DeepMergeException as {@link #prepare(List, Labels, ModelContract)}
     */
    public static Prepared prepare(List<Path> inputs, Labels labels, ModelContract contract, GateConfig gate)
            throws DeepMergeException {
        int size = contract.imageSize();
        float[][] images = {new float[64 * size]};
        List<Integer> y = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        List<Unlabelled> unlabelled = new ArrayList<>();
        int read = forEach(inputs, contract, gate, rejected, (location, p) -> {
            Alert a = p.alert();
            Integer label = labels.of(a);
            if (label == null) {
                unlabelled.add(new Unlabelled(location, a.objectId(), a.sourceId()));
                return;
            }
            int at = y.size() * size;
            if (at + size > images[0].length) {
                images[0] = java.util.Arrays.copyOf(images[0], (int) Math.min(Integer.MAX_VALUE - 8L, 2L * images[0].length));
            }
            System.arraycopy(p.image(), 0, images[0], at, size);
            y.add(label);
            ids.add(a.objectId() + "/" + a.sourceId());
        });
        if (y.isEmpty()) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, "no labelled alert could be prepared: " + read + " read, "
                    + rejected.size() + " rejected, " + unlabelled.size() + " without a label");
        }
        ImageDataset d = new ImageDataset(java.util.Arrays.copyOf(images[0], y.size() * size),
                y.stream().mapToInt(Integer::intValue).toArray(), contract.channels(), contract.height(), contract.width(),
                ids, String.join(",", inputs.stream().map(Path::toString).toList()));
        return new Prepared(d, read, List.copyOf(rejected), List.copyOf(unlabelled));
    }

    /** Receives each alert the pipeline prepared and the gate let through. */
    @FunctionalInterface
    public interface PreparedSink {
        /**
         * @param location file, archive entry or {@code file[k]}
         * @param image    the prepared model input
         * @throws DeepMergeException to stop reading
         */
        void accept(String location, PreparedImage image) throws DeepMergeException;
    }

    /**
     * Runs every alert of the inputs through the serving {@link CutoutPipeline} (default channel mapping and stamp
     * limits) and the applicability gate: prepared, applicable alerts go to {@code sink} in input order, the rest
     * to {@code rejected} (reason {@code NOT_APPLICABLE} for the gate's), none dropped silently.
     *
     * @param inputs   alert files, directories or archives
     * @param contract the model contract
     * @param gate     the applicability gate ({@link GateConfig#disabled()} lets every prepared alert through)
     * @param rejected receives what the pipeline or the gate turned away
     * @param sink     receives the prepared alerts
     * @return alerts read (records), rejected ones included
     * @throws DeepMergeException IO_ERROR / INVALID_CONFIG when an input cannot be opened, or what the sink throws
     */
    public static int forEach(List<Path> inputs, ModelContract contract, GateConfig gate, List<Rejected> rejected,
                              PreparedSink sink) throws DeepMergeException {
        CutoutPipeline pipeline = CutoutPipeline.create(contract, null, ChannelMapping.defaults(), StampLimits.defaults(),
                gate);
        int read = 0;
        try (AlertSource source = AlertSource.open(inputs, AlertSource.DEFAULT_MAX_ENTRY_BYTES)) {
            for (AlertSourceEntry e = source.next(); e != null; e = source.next()) {
                if (!e.readable()) {
                    read++;
                    rejected.add(new Rejected(e.location(), e.failure().reason().name(), e.failure().getMessage()));
                    continue;
                }
                List<Alert> alerts;
                try {
                    alerts = pipeline.reader().readAll(e.bytes());
                } catch (DeepMergeException ex) {
                    read++;
                    rejected.add(new Rejected(e.location(), ex.reason().name(), ex.getMessage()));
                    continue;
                } catch (RuntimeException ex) {
                    read++;
                    rejected.add(new Rejected(e.location(), Reason.MALFORMED_ALERT.name(), "unexpected " + ex));
                    continue;
                }
                for (int k = 0; k < alerts.size(); k++) {
                    read++;
                    String location = alerts.size() == 1 ? e.location() : e.location() + "[" + k + "]";
                    PreparedImage p;
                    try {
                        p = pipeline.prepare(alerts.get(k));
                    } catch (DeepMergeException ex) {
                        rejected.add(new Rejected(location, ex.reason().name(), ex.getMessage()));
                        continue;
                    } catch (RuntimeException ex) {
                        rejected.add(new Rejected(location, Reason.MALFORMED_ALERT.name(), "unexpected " + ex));
                        continue;
                    }
                    if (!p.applicable()) {
                        rejected.add(new Rejected(location, "NOT_APPLICABLE", p.applicability().label()));
                        continue;
                    }
                    sink.accept(location, p);
                }
            }
        }
        return read;
    }
}
