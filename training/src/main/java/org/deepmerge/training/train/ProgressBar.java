package org.deepmerge.training.train;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar with loss, accuracy and ETA, redrawn with carriage returns (at most 5 times a second). */
public final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String label;
    private final int total;
    private final long start = System.nanoTime();
    private long lastDraw;

    /**
     * @param out   where to draw (stderr)
     * @param label e.g. {@code epoch 3/50}
     * @param total number of steps
     */
    public ProgressBar(PrintStream out, String label, int total) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
    }

    /**
     * @param done     steps done
     * @param loss     running loss
     * @param accuracy running accuracy
     */
    public void update(int done, double loss, double accuracy) {
        long now = System.nanoTime();
        if (out == null || (done < total && now - lastDraw < 200_000_000L)) {
            return;
        }
        lastDraw = now;
        double elapsed = (now - start) / 1e9;
        double eta = done == 0 ? 0 : elapsed / done * (total - done);
        int filled = (int) ((long) WIDTH * done / total);
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
        out.print(String.format(Locale.ROOT, "\r%s [%s] %d/%d loss %.4f acc %.3f %s %s", label, bar, done, total, loss,
                accuracy, done < total ? "ETA" : "took", format(done < total ? eta : elapsed)));
        out.flush();
    }

    /**
     * Ends the line.
     *
     * @param summary text appended (e.g. validation metrics)
     */
    public void finish(String summary) {
        if (out != null) {
            out.println(" " + summary);
        }
    }

    static String format(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }
}
