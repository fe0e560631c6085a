package org.deepmerge.app.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a long offline run on stderr: on a terminal a single line rewritten in place ({@code \r}) about
 * once per second; otherwise (stderr redirected to a log) a plain line every 10 s. Called from the scoring loop,
 * so it costs one clock read per alert and needs no thread.
 */
final class Progress {
    private static final long TERMINAL_INTERVAL_MS = 1_000;
    private static final long LOG_INTERVAL_MS = 10_000;

    private final PrintWriter err;
    private final boolean terminal;
    private final long intervalMs;
    private final long startNanos = System.nanoTime();
    private long lastMs;
    private boolean lineOpen;

    /**
     * @param err      stderr
     * @param terminal true to rewrite one line in place; false for periodic log lines
     */
    Progress(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
        this.intervalMs = terminal ? TERMINAL_INTERVAL_MS : LOG_INTERVAL_MS;
        this.lastMs = elapsedMs();
    }

    private long elapsedMs() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /**
     * Reports the counts if the interval has passed since the last report.
     *
     * @param scored   alerts scored so far
     * @param rejected inputs rejected so far
     * @param read     inputs read so far
     * @param location the input being read
     */
    void update(long scored, long rejected, long read, String location) {
        long now = elapsedMs();
        if (now - lastMs < intervalMs) {
            return;
        }
        lastMs = now;
        String line = String.format(Locale.ROOT, "%s: scored %d, rejected %d, read %d (%.0f/s) at %s",
                formatElapsed(now), scored, rejected, read, read * 1000.0 / Math.max(1, now), location);
        if (terminal) {
            err.print("\r\033[K" + line);
            lineOpen = true;
        } else {
            err.println("progress " + line);
        }
        err.flush();
    }

    /** Ends the in-place line, so that what follows starts on a fresh line. */
    void clear() {
        if (lineOpen) {
            err.print("\r\033[K");
            err.flush();
            lineOpen = false;
        }
    }

    private static String formatElapsed(long ms) {
        long s = ms / 1000;
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
