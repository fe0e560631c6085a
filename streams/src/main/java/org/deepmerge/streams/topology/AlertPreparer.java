package org.deepmerge.streams.topology;

import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.alert.Alert;

/**
 * The two halves of {@link ImagePreparer} separately, for the {@code assemble} channel policy: decode a message
 * into an {@link Alert} (stamps still undecoded), and preprocess an alert, possibly one assembled from the stamps
 * of several alerts of the same object, into the model's {@code [C,H,W]} float32 image. Must be thread-safe.
 */
public interface AlertPreparer {
    /**
     * @param message the Kafka record value, bytes exactly as produced
     * @return the decoded alert
     * @throws DeepMergeException UNKNOWN_FORMAT, MALFORMED_ALERT, UNKNOWN_SCHEMA, MISSING_FIELD
     */
    Alert read(byte[] message) throws DeepMergeException;

    /**
     * @param alert a decoded (or assembled) alert
     * @return the ids and the {@code [C,H,W]} float32 image; a channel without a stamp of its own band is filled
     *         by replicating a present stamp and flagged {@code incomplete}
     * @throws DeepMergeException MISSING_CUTOUT, NOT_FITS, CORRUPT_GZIP, CORRUPT_FITS, STAMP_TOO_LARGE, WRONG_SHAPE
     */
    PreparedInput prepare(Alert alert) throws DeepMergeException;

    /**
     * @param survey the alert's survey
     * @return the cutout kind (science, template, difference) the channel mapping uses for it
     */
    String kindFor(String survey);

    /** @return the model's channel bands, in channel order (C = size) */
    List<String> channels();
}
