package org.deepmerge.training.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.training.data.Split;

/**
 * split.json: the exact train/validation/test indices of a run plus the dataset fingerprint, so evaluation and
 * fine-tuning use the same held-out images.
 */
public final class SplitFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SplitFile() {
    }

    /**
     * @param split       the split
     * @param fingerprint dataset fingerprint
     * @param file        target
     * @throws DeepMergeException IO_ERROR
     */
    public static void write(Split split, String fingerprint, Path file) throws DeepMergeException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fingerprint", fingerprint);
        m.put("train", split.train());
        m.put("validation", split.validation());
        m.put("test", split.test());
        try {
            JSON.writeValue(file.toFile(), m);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, file + ": cannot write split: " + e.getMessage(), e);
        }
    }

    /**
     * @param file        split.json
     * @param fingerprint expected dataset fingerprint, or null to skip the check
     * @param size        dataset size N (indices must be below it)
     * @return the split
     * @throws DeepMergeException IO_ERROR when unreadable, INVALID_CONFIG when it belongs to another dataset
     */
    public static Split read(Path file, String fingerprint, int size) throws DeepMergeException {
        try {
            Map<?, ?> m = JSON.readValue(file.toFile(), Map.class);
            if (fingerprint != null && !fingerprint.equals(m.get("fingerprint"))) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, file + ": split was made for dataset " + m.get("fingerprint")
                        + ", not this one (" + fingerprint + ")");
            }
            Split s = new Split(ints(m.get("train")), ints(m.get("validation")), ints(m.get("test")));
            for (int[] part : new int[][] {s.train(), s.validation(), s.test()}) {
                for (int i : part) {
                    if (i < 0 || i >= size) {
                        throw new DeepMergeException(Reason.INVALID_CONFIG, file + ": index " + i + " outside dataset of " + size);
                    }
                }
            }
            return s;
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, file + ": cannot read split: " + e.getMessage(), e);
        }
    }

    private static int[] ints(Object list) {
        return ((java.util.List<?>) list).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }
}
