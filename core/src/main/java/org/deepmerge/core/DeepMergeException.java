package org.deepmerge.core;

import java.util.Objects;

/**
 * The project's one checked exception. Every failure carries a {@link Reason} that callers
 * (the dead-letter queue, the offline report, the CLI exit code) can act on, and a message that
 * names what was wrong and where.
 */
public class DeepMergeException extends Exception {

    /** Why something could not be done; stable names, used as dead-letter reason headers. */
    public enum Reason {
        /** The message bytes are not any alert format we decode (no Avro container, wire-format or single-object magic). */
        UNKNOWN_FORMAT,
        /** The bytes look like a known format but cannot be parsed (truncated, bad Avro). */
        MALFORMED_ALERT,
        /** A Confluent schema id was not found in the schema directory or registry. */
        UNKNOWN_SCHEMA,
        /** A required field (id, position, cutout) is absent or null. */
        MISSING_FIELD,
        /** A cutout the model needs is null or absent. */
        MISSING_CUTOUT,
        /** The stamp bytes are not FITS (e.g. JPEG, PNG, garbage). */
        NOT_FITS,
        /** The stamp is gzip that cannot be inflated (truncated, corrupt). */
        CORRUPT_GZIP,
        /** The FITS stamp is malformed (bad header, truncated data, no image HDU). */
        CORRUPT_FITS,
        /** The stamp declares or inflates to more than the configured limits. */
        STAMP_TOO_LARGE,
        /** The image has an unsupported dimensionality, BITPIX or shape for the model. */
        WRONG_SHAPE,
        /** The ONNX model or its contract is invalid or incomplete. */
        INVALID_MODEL,
        /** The requested execution provider/device is not available. */
        DEVICE_UNAVAILABLE,
        /** ONNX Runtime failed while running a batch. */
        INFERENCE_FAILED,
        /** A configuration value is invalid. */
        INVALID_CONFIG,
        /** Reading or writing a file, directory or archive failed. */
        IO_ERROR,
        /** An input record (alert file, archive entry) is larger than the configured per-entry cap, or declares more
         *  records than the per-file or per-run record cap. */
        INPUT_TOO_LARGE,
        /**
         * A string field the score record carries (source id, object id, survey, band) is longer than the streaming
         * scorer's limit (valid by its Avro schema, which sets none).
         */
        FIELD_TOO_LONG,
        /** The model's output for an input is not a probability (NaN or infinite): nothing to publish as a score. */
        MODEL_OUTPUT_INVALID,
        /**
         * A required field is present but its value is unusable (a NaN, infinite or out-of-range position); the
         * message names the field and the value.
         */
        INVALID_FIELD
    }

    private final Reason reason;

    /**
     * @param reason  why it failed; never null
     * @param message what was wrong and where
     */
    public DeepMergeException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * @param reason  why it failed; never null
     * @param message what was wrong and where
     * @param cause   the underlying exception
     */
    public DeepMergeException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** @return why it failed */
    public Reason reason() {
        return reason;
    }
}
