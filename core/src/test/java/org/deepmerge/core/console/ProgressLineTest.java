package org.deepmerge.core.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
    private static final long SECOND = 1_000_000_000L;

    private final StringWriter text = new StringWriter();
    private final AtomicLong now = new AtomicLong(5 * SECOND);

    private ProgressLine line(boolean terminal, String label, long total) {
        return new ProgressLine(new PrintWriter(text), terminal, label, total, now::get);
    }

    @Test
    void terminalRewritesOneLineAtMostOnceASecondAndBuildsTheTextOnlyWhenDrawing() {
        ProgressLine p = line(true, "epoch 3/50", 10);
        AtomicInteger built = new AtomicInteger();
        p.update(1, () -> "loss " + built.incrementAndGet());
        now.addAndGet(SECOND / 2);
        p.update(2, () -> "loss " + built.incrementAndGet());
        assertEquals("", text.toString(), "nothing within the first second");
        assertEquals(0, built.get(), "no text built for an update that draws nothing");
        now.addAndGet(SECOND / 2);
        p.update(4, () -> "loss 0.5000 acc 0.750");
        assertEquals("\r\033[Kepoch 3/50 [============>                 ] 4/10 loss 0.5000 acc 0.750 ETA 00:02",
                text.toString(), "40% done after 1 s: 1.5 s to go, rounded");
        p.clear();
        assertTrue(text.toString().endsWith("ETA 00:02\r\033[K"));
        now.addAndGet(2 * SECOND);
        p.update(10, () -> "loss 0.4000 acc 0.800");
        text.getBuffer().setLength(0);
        p.finish("val_loss 0.3 (best)");
        assertEquals("\r\033[Kepoch 3/50 [==============================] 10/10 loss 0.4000 acc 0.800 took 00:03 "
                + "val_loss 0.3 (best)" + System.lineSeparator(), text.toString());
    }

    @Test
    void redirectedOutputGetsAPlainLineEveryTenSecondsAndTheFinalState() {
        ProgressLine p = line(false, "", 0);
        for (int i = 1; i <= 25; i++) {
            now.addAndGet(SECOND);
            long read = i * 100L;
            p.update(read, () -> "scored " + read + ", rejected 0, read " + read + " at a.tar.gz!/x.avro");
        }
        String[] lines = text.toString().split(System.lineSeparator());
        assertEquals(2, lines.length, text.toString());
        assertEquals("progress 0:00:10: scored 1000, rejected 0, read 1000 at a.tar.gz!/x.avro (100/s)", lines[0]);
        assertTrue(lines[1].startsWith("progress 0:00:20: scored 2000"), lines[1]);
        assertFalse(text.toString().contains("\r"), "no carriage returns in a log");
        p.finish("done");
        assertTrue(text.toString().endsWith("0:00:25: scored 2500, rejected 0, read 2500 at a.tar.gz!/x.avro (100/s) done"
                + System.lineSeparator()), text.toString());
    }

    @Test
    void silentWithoutAStreamAndClocksPastAnHour() {
        ProgressLine p = new ProgressLine((PrintWriter) null, true, "x", 3, now::get);
        now.addAndGet(5 * SECOND);
        p.update(1, () -> {
            throw new AssertionError("never built");
        });
        p.clear();
        assertEquals("1:01:01", ProgressLine.clock(3661, false));
        assertEquals("01:01", ProgressLine.clock(61, false));
        assertEquals("0:01:01", ProgressLine.clock(61, true));
    }
}
