package org.deepmerge.core.alert;

import org.deepmerge.core.DeepMergeException;

/** Decodes alert message bytes of any supported {@link AlertFormat}, detected from the bytes. */
public final class AlertReader {
    private final SchemaResolver resolver;

    /** @param resolver writer schemas for Confluent wire-format messages */
    public AlertReader(SchemaResolver resolver) {
        this.resolver = resolver;
    }

    /**
     * @param message one Kafka message value / one archived alert file
     * @return the decoded alert
     * @throws DeepMergeException UNKNOWN_FORMAT, MALFORMED_ALERT, UNKNOWN_SCHEMA, MISSING_FIELD
     */
    public Alert read(byte[] message) throws DeepMergeException {
        throw new UnsupportedOperationException("not implemented yet " + resolver);
    }
}
