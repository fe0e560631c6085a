package org.deepmerge.core.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertReader;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.fits.StampDecoder;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.core.preprocess.Preprocessor;

/**
 * The one path from alert message bytes to model input, shared by offline scoring ({@code deepmerge score}),
 * streaming and training: decode the alert ({@link AlertReader}), choose one stamp per model channel
 * ({@link ChannelMapping}), decode each FITS stamp ({@link StampDecoder}) and resample/normalise them into
 * {@code [C,H,W]} float32 ({@link Preprocessor}). Stateless apart from its parts; thread-safe when they are.
 */
public final class CutoutPipeline {
    private final AlertReader reader;
    private final StampDecoder decoder;
    private final ChannelMapping mapping;
    private final Preprocessor preprocessor;
    private final ModelContract contract;

    /**
     * @param reader       alert decoder (any supported format, detected from the bytes)
     * @param decoder      FITS stamp decoder with its size limits
     * @param mapping      which stamp feeds which model channel
     * @param preprocessor resampling and normalisation per the contract
     * @param contract     the model contract: C = channel count, H x W
     */
    public CutoutPipeline(AlertReader reader, StampDecoder decoder, ChannelMapping mapping,
                          Preprocessor preprocessor, ModelContract contract) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.mapping = Objects.requireNonNull(mapping, "mapping");
        this.preprocessor = Objects.requireNonNull(preprocessor, "preprocessor");
        this.contract = Objects.requireNonNull(contract, "contract");
    }

    /** @return the model contract the images are prepared for */
    public ModelContract contract() {
        return contract;
    }

    /**
     * @param message one alert message (Kafka message value, alert file, archive entry)
     * @return the alert and its model input {@code [C,H,W]} float32
     * @throws DeepMergeException with the reason of the first step that failed: UNKNOWN_FORMAT,
     *                            MALFORMED_ALERT, UNKNOWN_SCHEMA, MISSING_FIELD (alert); MISSING_CUTOUT (channel
     *                            mapping); NOT_FITS, CORRUPT_GZIP, CORRUPT_FITS, STAMP_TOO_LARGE, WRONG_SHAPE
     *                            (stamp decoding and preprocessing)
     */
    public PreparedImage prepare(byte[] message) throws DeepMergeException {
        Alert alert = reader.read(message);
        List<CutoutStamp> selected = mapping.select(alert, contract);
        List<Stamp> stamps = new ArrayList<>(selected.size());
        List<String> bands = new ArrayList<>(selected.size());
        boolean incomplete = false;
        for (int c = 0; c < selected.size(); c++) {
            CutoutStamp s = selected.get(c);
            stamps.add(decoder.decode(s));
            bands.add(s.band());
            incomplete |= c >= contract.channelCount() || !s.band().equalsIgnoreCase(contract.channels().get(c));
        }
        float[] image = new float[contract.imageSize()];
        preprocessor.toTensor(stamps, image, 0);
        return new PreparedImage(alert, image, bands, incomplete);
    }
}
