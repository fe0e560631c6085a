package org.deepmerge.training.data;

import java.nio.file.Path;
import java.util.Locale;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * The 0/1 label parser of label files; the files themselves are read with the project's CSV codec
 * ({@link org.deepmerge.core.io.Csv#read}).
 */
public final class LabelsCsv {
    private LabelsCsv() {
    }

    /**
     * @param v    field
     * @param csv  file, for the message
     * @param line line, for the message
     * @return 1 for {@code 1, 1.0, true}, 0 for {@code 0, 0.0, false} (case-insensitive)
     * @throws DeepMergeException WRONG_SHAPE for anything else
     */
    public static int label(String v, Path csv, int line) throws DeepMergeException {
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "1", "1.0", "true" -> 1;
            case "0", "0.0", "false" -> 0;
            default -> throw new DeepMergeException(Reason.WRONG_SHAPE, csv + ":" + line + ": label '" + v + "' is not 0/1");
        };
    }
}
