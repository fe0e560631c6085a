package org.deepmerge.core.fits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertReader;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, item 6: nom-tam-fits logged a multi-line WARNING with a stack trace through {@code java.util.logging}'s
 * console handler for stamps the decoder then rejected, so a producer could flood the operator's log.
 */
class FitsLibraryLoggingTest {

    /** Collects the records that reach JUL's root handlers (the console by default). */
    private static final class Capture extends Handler {
        final List<LogRecord> records = new ArrayList<>();

        @Override
        public synchronized void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void rejectedStampsLeaveNoLibraryRecordsAtTheConsole() throws Exception {
        Path rubinFile;
        try (var files = Files.list(TestData.require("alerts/rubin-v9_0"))) {
            rubinFile = files.sorted().findFirst().orElseThrow();
        }
        Alert rubin = new AlertReader(null).read(Files.readAllBytes(rubinFile));
        byte[] fits = rubin.stamp("science").orElseThrow().data();
        List<byte[]> mutants = new ArrayList<>();
        Random rnd = new Random(19);
        String[] junk = {"'unterminated", "T T", "1.0.0", "= =", "'a''", "NaN", "1e999", "(1, 2)", "&"};
        for (int card = 0; card < 36; card++) {
            for (String j : junk) {
                byte[] m = fits.clone();
                byte[] value = String.format("%-50s", j).getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(value, 0, m, card * 80 + 10, value.length);
                mutants.add(m);
            }
        }
        for (int i = 0; i < 200; i++) {
            byte[] m = fits.clone();
            for (int k = 0; k < 1 + rnd.nextInt(8); k++) {
                m[rnd.nextInt(Math.min(m.length, 2880 * 2))] = (byte) rnd.nextInt(256);
            }
            mutants.add(m);
            mutants.add(Arrays.copyOf(fits, rnd.nextInt(fits.length)));
        }

        Logger root = Logger.getLogger("");
        Capture capture = new Capture();
        root.addHandler(capture);
        StampDecoder decoder = new StampDecoder(StampLimits.defaults());
        int rejected = 0;
        try {
            for (byte[] m : mutants) {
                try {
                    decoder.decode(new CutoutStamp("science", "r", 0.2, m));
                } catch (DeepMergeException e) {
                    rejected++;
                }
            }
        } finally {
            root.removeHandler(capture);
        }
        assertTrue(rejected >= 100, rejected + " of " + mutants.size() + " rejected");
        List<String> fromLibrary = capture.records.stream().filter(r -> r.getLoggerName() != null
                && r.getLoggerName().startsWith("nom.tam")).map(r -> r.getLevel() + " " + r.getLoggerName() + ": "
                + r.getMessage()).toList();
        assertEquals(List.of(), fromLibrary.subList(0, Math.min(5, fromLibrary.size())),
                fromLibrary.size() + " nom-tam-fits records reached the console");
    }
}
