package org.deepmerge.core.console;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The project's one progress display for long jobs on stderr (offline scoring, training epochs). On a terminal, one
 * line rewritten in place ({@code \r}, erase line) at most once a second; otherwise (stderr redirected to a log) a
 * plain line {@code progress ...} every 10 s, so logs do not fill with carriage returns. With a known total the line
 * is {@code <label> [=====>    ] done/total <detail> ETA mm:ss}; without one, {@code h:mm:ss: <detail> (rate/s)},
 * the rate being of {@code done}. {@link #finish} always writes the final state and a summary as one line.
 *
 * <p>Called from the work loop: an update that draws nothing costs one clock read (the detail text is only built
 * when drawn), and no thread is needed. Not thread-safe.
 */
public final class ProgressLine {
    static final long TERMINAL_INTERVAL_NANOS = 1_000_000_000L;
    static final long LOG_INTERVAL_NANOS = 10_000_000_000L;
    private static final int BAR_WIDTH = 30;
    private static final String ERASE = "\r\033[K";

    private final PrintWriter out;
    private final boolean terminal;
    private final String label;
    private final long total;
    private final LongSupplier clock;
    private final long start;
    private long lastDraw;
    private long done;
    private Supplier<String> detail = () -> "";
    private boolean lineOpen;

    /**
     * @param out      where to write (stderr); null for silence
     * @param terminal true to rewrite one line in place (stderr is a terminal), false for periodic log lines
     * @param label    text before a known total's bar, e.g. {@code epoch 3/50}; "" for none
     * @param total    number of steps, or &lt;= 0 when unknown
     */
    public ProgressLine(PrintWriter out, boolean terminal, String label, long total) {
        this(out, terminal, label, total, System::nanoTime);
    }

    /**
     * @param out      where to write (stderr); null for silence
     * @param terminal true to rewrite one line in place, false for periodic log lines
     * @param label    text before a known total's bar; "" for none
     * @param total    number of steps, or &lt;= 0 when unknown
     */
    public ProgressLine(PrintStream out, boolean terminal, String label, long total) {
        this(out == null ? null : new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8)), terminal, label,
                total, System::nanoTime);
    }

    ProgressLine(PrintWriter out, boolean terminal, String label, long total, LongSupplier clock) {
        this.out = out;
        this.terminal = terminal;
        this.label = label == null ? "" : label;
        this.total = total;
        this.clock = clock;
        this.start = clock.getAsLong();
        this.lastDraw = start;
    }

    /** @return true when stderr is an interactive terminal (in-place updates make sense) */
    public static boolean stderrIsTerminal() {
        return System.console() != null;
    }

    /**
     * Records the progress and draws it if the interval has passed since the last drawing.
     *
     * @param done   steps done so far
     * @param detail the rest of the line (e.g. loss and accuracy so far), built only when drawn
     */
    public void update(long done, Supplier<String> detail) {
        this.done = done;
        this.detail = detail;
        if (out == null) {
            return;
        }
        long now = clock.getAsLong();
        if (now - lastDraw < (terminal ? TERMINAL_INTERVAL_NANOS : LOG_INTERVAL_NANOS)) {
            return;
        }
        lastDraw = now;
        String line = line(done, detail.get(), now - start, false);
        if (terminal) {
            out.print(ERASE + line);
            lineOpen = true;
        } else {
            out.println("progress " + line);
        }
        out.flush();
    }

    /**
     * Writes the final state and a summary as one line (replacing the in-place line on a terminal).
     *
     * @param summary appended after the state (e.g. validation metrics); "" for none
     */
    public void finish(String summary) {
        if (out == null) {
            return;
        }
        String line = line(done, detail.get(), clock.getAsLong() - start, true);
        out.println((lineOpen ? ERASE : "") + line + (summary == null || summary.isEmpty() ? "" : " " + summary));
        out.flush();
        lineOpen = false;
    }

    /** Erases the in-place line, so that a message printed next starts on a clean line. */
    public void clear() {
        if (out != null && lineOpen) {
            out.print(ERASE);
            out.flush();
            lineOpen = false;
        }
    }

    /**
     * @param done     steps done
     * @param detail   the caller's text
     * @param nanos    time since the start
     * @param finished true for the final state (time taken instead of the ETA)
     * @return the progress text
     */
    String line(long done, String detail, long nanos, boolean finished) {
        double seconds = nanos / 1e9;
        String tail = detail.isEmpty() ? "" : " " + detail;
        if (total <= 0) {
            return (label.isEmpty() ? "" : label + " ") + clock(seconds, true) + ":" + tail
                    + String.format(Locale.ROOT, " (%.0f/s)", done / Math.max(seconds, 1e-3));
        }
        long d = Math.max(0, Math.min(done, total));
        int filled = (int) (BAR_WIDTH * d / total);
        String bar = "=".repeat(filled) + (filled < BAR_WIDTH ? ">" + " ".repeat(BAR_WIDTH - filled - 1) : "");
        boolean over = finished || d >= total;
        double eta = d == 0 ? 0 : seconds / d * (total - d);
        return (label.isEmpty() ? "" : label + " ") + "[" + bar + "] " + done + "/" + total + tail
                + (over ? " took " + clock(seconds, false) : " ETA " + clock(eta, false));
    }

    /**
     * @param seconds a duration
     * @param hours   true to always show hours ({@code h:mm:ss}); else {@code mm:ss} below an hour
     * @return the duration as a clock
     */
    static String clock(double seconds, boolean hours) {
        long s = Math.round(seconds);
        return hours || s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }
}
