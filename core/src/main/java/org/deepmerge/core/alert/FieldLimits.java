package org.deepmerge.core.alert;

import java.nio.charset.StandardCharsets;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * Bounds on the alert strings a score record repeats. The alert schemas bound no string: a 70,000-character
 * {@code objectId} is a valid ZTF alert, and repeated in a buffered micro-batch entry, a changelog record and the score
 * it would make them larger than a producer may send. Offline and streaming scoring apply the same check.
 */
public final class FieldLimits {
    /**
     * Longest string, UTF-8 bytes, an alert may carry in a field the score record repeats (source id, object id,
     * survey, band). ZTF object ids are 12 characters, Rubin ids are longs.
     */
    public static final int MAX_FIELD_BYTES = 1024;

    private FieldLimits() {
    }

    /**
     * @param alert a decoded alert
     * @return {@code alert}
     * @throws DeepMergeException FIELD_TOO_LONG naming the first over-long field (sourceId, objectId, survey or a
     *                            stamp's band), its size and the limit
     */
    public static Alert check(Alert alert) throws DeepMergeException {
        check("sourceId", alert.sourceId());
        check("objectId", alert.objectId());
        check("survey", alert.survey());
        for (CutoutStamp s : alert.stamps()) {
            check("band", s.band());
        }
        return alert;
    }

    /**
     * @param field name used in the message
     * @param value the string, may be null
     * @throws DeepMergeException FIELD_TOO_LONG when {@code value} is longer than {@link #MAX_FIELD_BYTES} UTF-8 bytes
     */
    public static void check(String field, String value) throws DeepMergeException {
        if (value == null || value.length() <= MAX_FIELD_BYTES / 3) {
            return;
        }
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_FIELD_BYTES) {
            throw new DeepMergeException(Reason.FIELD_TOO_LONG, field + " is " + bytes + " bytes of UTF-8 (starts '"
                    + value.substring(0, 32) + "...'), above the limit of " + MAX_FIELD_BYTES + " bytes");
        }
    }
}
