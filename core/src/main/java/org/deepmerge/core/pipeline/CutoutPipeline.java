package org.deepmerge.core.pipeline;

import java.util.List;
import java.util.Objects;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertReader;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.alert.SchemaResolver;
import org.deepmerge.core.fits.StampDecoder;
import org.deepmerge.core.fits.StampLimits;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.core.preprocess.Preprocessor;

/**
 * The one path from alert message bytes to model input, shared by offline scoring ({@code deepmerge score}),
 * streaming and training: decode the alert ({@link AlertReader}), choose one stamp per model channel
 * ({@link ChannelMapping}, see docs/channel-mapping.md), decode each FITS stamp within its size limits
 * ({@link StampDecoder}) and resample/normalise them into {@code [C,H,W]} float32 ({@link Preprocessor}, per the
 * model contract). Holds no mutable state; thread-safe because its parts are.
 */
public final class CutoutPipeline {
    private final AlertReader reader;
    private final StampDecoder decoder;
    private final ChannelMapping mapping;
    private final Preprocessor preprocessor;

    /**
     * @param reader       alert decoder (any supported format, detected from the bytes)
     * @param decoder      FITS stamp decoder with its size limits
     * @param mapping      which stamp feeds which model channel
     * @param preprocessor resampling and normalisation per its model contract (C = channel count, H x W)
     */
    public CutoutPipeline(AlertReader reader, StampDecoder decoder, ChannelMapping mapping, Preprocessor preprocessor) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.mapping = Objects.requireNonNull(mapping, "mapping");
        this.preprocessor = Objects.requireNonNull(preprocessor, "preprocessor");
    }

    /**
     * @param contract the model contract
     * @param resolver writer schemas of Confluent-framed alerts; null when none are expected
     * @param mapping  the channel mapping, e.g. {@link ChannelMapping#defaults()}
     * @param limits   stamp size caps, e.g. {@link StampLimits#defaults()}
     * @return a pipeline preparing inputs for that contract; its reader decodes only the cutout kind the mapping
     *         uses ({@link ChannelMapping#kindsFor})
     */
    public static CutoutPipeline create(ModelContract contract, SchemaResolver resolver, ChannelMapping mapping,
                                        StampLimits limits) {
        return new CutoutPipeline(new AlertReader(resolver, mapping::kindsFor), new StampDecoder(limits), mapping,
                new Preprocessor(contract));
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
     * @return the alert and its model input {@code [C,H,W]} float32; {@code bands} names the band of the stamp in
     *         each channel, {@code incomplete} is set when a channel was filled by a stamp of another band
     * @throws DeepMergeException MISSING_CUTOUT (channel mapping); NOT_FITS, CORRUPT_GZIP, CORRUPT_FITS,
     *                            STAMP_TOO_LARGE, WRONG_SHAPE (stamp decoding and preprocessing)
     */
    public PreparedImage prepare(Alert alert) throws DeepMergeException {
        float[] image = new float[preprocessor.contract().imageSize()];
        ChannelMapping.Selection selection = preprocessor.toTensor(alert, mapping, decoder::decode, image, 0);
        List<String> bands = selection.stamps().stream().map(CutoutStamp::band).toList();
        return new PreparedImage(alert, image, bands, selection.incomplete());
    }
}
