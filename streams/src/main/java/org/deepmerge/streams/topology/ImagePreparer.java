package org.deepmerge.streams.topology;

import org.deepmerge.core.DeepMergeException;

/**
 * Decodes one message (any format the core reads) and preprocesses it into the model's input image,
 * per the model contract. Implemented by the core's cutout pipeline; must be thread-safe (one instance
 * serves every stream thread).
 */
@FunctionalInterface
public interface ImagePreparer {
    /**
     * @param message the Kafka record value, bytes exactly as produced
     * @return the decoded ids and the {@code [C,H,W]} float32 image
     * @throws DeepMergeException with the reason the message cannot be scored (UNKNOWN_FORMAT, MALFORMED_ALERT,
     *                            UNKNOWN_SCHEMA, MISSING_CUTOUT, NOT_FITS, CORRUPT_FITS, WRONG_SHAPE, ...)
     */
    PreparedInput prepare(byte[] message) throws DeepMergeException;
}
