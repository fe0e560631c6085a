package org.deepmerge.core.pipeline;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertReader;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.alert.FieldLimits;
import org.deepmerge.core.alert.SchemaResolver;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.fits.StampDecoder;
import org.deepmerge.core.fits.StampLimits;
import org.deepmerge.core.gate.Applicability;
import org.deepmerge.core.gate.ApplicabilityGate;
import org.deepmerge.core.gate.GateConfig;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.morphology.MorphologyMeasurement;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.core.preprocess.Preprocessor;

/**
 * The one path from alert message bytes to model input, shared by offline scoring ({@code deepmerge score}),
 * streaming and training: decode the alert ({@link AlertReader}), choose one stamp per model channel
 * ({@link ChannelMapping}, see docs/channel-mapping.md), decode each FITS stamp within its size limits
 * ({@link StampDecoder}), resample/normalise them into {@code [C,H,W]} float32 ({@link Preprocessor}, per the
 * model contract) and judge whether the model applies at all ({@link ApplicabilityGate}: stars, empty or too small
 * stamps are not sent to the model). With {@link #withMorphology(boolean) morphology} on, it also measures the
 * non-parametric morphology of one band on the model grid before the stretch ({@link MorphologyMeasurement}). Holds
 * no mutable state; thread-safe because its parts are.
 */
public final class CutoutPipeline {
    private final AlertReader reader;
    private final StampDecoder decoder;
    private final ChannelMapping mapping;
    private final Preprocessor preprocessor;
    private final ApplicabilityGate gate;
    private final boolean morphology;

    /**
     * @param reader       alert decoder (any supported format, detected from the bytes)
     * @param decoder      FITS stamp decoder with its size limits
     * @param mapping      which stamp feeds which model channel
     * @param preprocessor resampling and normalisation per its model contract (C = channel count, H x W)
     * @param gate         thresholds of the applicability gate ({@link GateConfig#disabled()} for raw scores)
     */
    public CutoutPipeline(AlertReader reader, StampDecoder decoder, ChannelMapping mapping, Preprocessor preprocessor,
                          GateConfig gate) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.mapping = Objects.requireNonNull(mapping, "mapping");
        this.preprocessor = Objects.requireNonNull(preprocessor, "preprocessor");
        this.gate = new ApplicabilityGate(gate, preprocessor.contract());
        this.morphology = false;
    }

    private CutoutPipeline(CutoutPipeline p, boolean morphology) {
        this.reader = p.reader;
        this.decoder = p.decoder;
        this.mapping = p.mapping;
        this.preprocessor = p.preprocessor;
        this.gate = p.gate;
        this.morphology = morphology;
    }

    /**
     * @param on whether every prepared input also gets its morphology ({@link PreparedImage#morphology()}); off by
     *           default, when it costs nothing
     * @return this pipeline with morphology on or off
     */
    public CutoutPipeline withMorphology(boolean on) {
        return on == morphology ? this : new CutoutPipeline(this, on);
    }

    /** @return whether prepared inputs get their morphology */
    public boolean morphology() {
        return morphology;
    }

    /**
     * @param contract the model contract
     * @param resolver writer schemas of Confluent-framed alerts; null when none are expected
     * @param mapping  the channel mapping, e.g. {@link ChannelMapping#defaults()}
     * @param limits   stamp size caps, e.g. {@link StampLimits#defaults()}
     * @return a pipeline preparing inputs for that contract, with the applicability gate at
     *         {@link GateConfig#defaults()}; its reader decodes only the cutout kind the mapping uses
     *         ({@link ChannelMapping#kindsFor})
     */
    public static CutoutPipeline create(ModelContract contract, SchemaResolver resolver, ChannelMapping mapping,
                                        StampLimits limits) {
        return create(contract, resolver, mapping, limits, GateConfig.defaults());
    }

    /**
     * @param contract the model contract
     * @param resolver writer schemas of Confluent-framed alerts; null when none are expected
     * @param mapping  the channel mapping, e.g. {@link ChannelMapping#defaults()}
     * @param limits   stamp size caps, e.g. {@link StampLimits#defaults()}
     * @param gate     applicability gate thresholds, or {@link GateConfig#disabled()}
     * @return a pipeline preparing inputs for that contract
     */
    public static CutoutPipeline create(ModelContract contract, SchemaResolver resolver, ChannelMapping mapping,
                                        StampLimits limits, GateConfig gate) {
        return new CutoutPipeline(new AlertReader(resolver, mapping::kindsFor), new StampDecoder(limits), mapping,
                new Preprocessor(contract), gate);
    }

    /** @return the applicability gate's thresholds */
    public GateConfig gateConfig() {
        return gate.config();
    }

    /** @return the model contract the images are prepared for */
    public ModelContract contract() {
        return preprocessor.contract();
    }

    /** @return the alert decoder, e.g. to decode every record of a multi-record container file */
    public AlertReader reader() {
        return reader;
    }

    /**
     * @param message one alert message (Kafka message value, alert file, archive entry); of a container file
     *                with several records, the first
     * @return the alert and its model input {@code [C,H,W]} float32
     * @throws DeepMergeException with the reason of the first step that failed: UNKNOWN_FORMAT,
     *                            MALFORMED_ALERT, UNKNOWN_SCHEMA, MISSING_FIELD (alert); then as {@link #prepare(Alert)}
     */
    public PreparedImage prepare(byte[] message) throws DeepMergeException {
        return prepare(reader.read(message));
    }

    /**
     * @param alert a decoded alert
     * @return the alert (its stamps' bytes dropped: {@link Alert#withoutStampBytes()}), its model input
     *         {@code [C,H,W]} float32 and the applicability gate's verdict;
     *         {@code bands} names the band of the stamp in each channel, {@code incomplete} is set when a channel was
     *         filled by a stamp of another band. A not-applicable input (a star, an empty or too small stamp) is a
     *         result, not an error: callers must not send it to the model. With morphology on, the morphology of
     *         the channel {@link #morphologyChannel} picks, applicable or not (a star gets its statistics, an empty
     *         stamp a failure flag); null when off, or when the grid has no positive pixel scale (FIT mode with a
     *         stamp of unknown scale)
     * @throws DeepMergeException FIELD_TOO_LONG ({@link FieldLimits}); MISSING_CUTOUT (channel mapping); NOT_FITS, CORRUPT_GZIP, CORRUPT_FITS,
     *                            STAMP_TOO_LARGE, WRONG_SHAPE (stamp decoding and preprocessing)
     */
    public PreparedImage prepare(Alert alert) throws DeepMergeException {
        FieldLimits.check(alert);
        float[] image = new float[preprocessor.contract().imageSize()];
        ChannelMapping.Selection selection = mapping.select(alert, preprocessor.contract());
        Map<CutoutStamp, Stamp> decoded = new IdentityHashMap<>();
        List<Stamp> stamps = new ArrayList<>(selection.sources().size());
        for (CutoutStamp s : selection.stamps()) {
            Stamp d = decoded.get(s);
            if (d == null) {
                d = decoder.decode(s);
                decoded.put(s, d);
            }
            stamps.add(d);
        }
        List<String> bands = selection.stamps().stream().map(CutoutStamp::band).toList();
        MorphologyMeasurement measured = null;
        if (morphology) {
            int ch = morphologyChannel(selection);
            Stamp linear = preprocessor.toTensorKeepingLinear(stamps, image, 0, ch);
            if (linear.pixelScaleArcsec() > 0 && Double.isFinite(linear.pixelScaleArcsec())) {
                measured = MorphologyMeasurement.of(bands.get(ch), linear);
            }
        } else {
            preprocessor.toTensor(stamps, image, 0);
        }
        Applicability verdict = gate.evaluate(alert, stamps, image, 0);
        return new PreparedImage(alert.withoutStampBytes(), image, bands, selection.incomplete(), verdict, measured);
    }

    /**
     * The channel whose band the morphology is measured on: the last channel filled by a stamp of its own band (the
     * red-most, as contracts list their bands blue to red: {@code g,r,i}, {@code F814W,F160W}), where the galaxy's
     * older stellar light and the best seeing are; else channel 0 (a replicated single-band stamp fills them all).
     */
    static int morphologyChannel(ChannelMapping.Selection selection) {
        for (int ch = selection.sources().size() - 1; ch >= 0; ch--) {
            if (selection.sources().get(ch).bandMatch()) {
                return ch;
            }
        }
        return 0;
    }
}
