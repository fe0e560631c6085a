package org.deepmerge.training.explain;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import nom.tam.fits.BasicHDU;
import nom.tam.fits.Fits;
import nom.tam.fits.FitsException;
import nom.tam.fits.Header;
import nom.tam.util.FitsOutputStream;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * Pictures and FITS files of Grad-CAM maps: an overlay per input (the input asinh-stretched in grey, beside it the
 * same with the map on top in a blue-to-red colour scale whose opacity grows with the map, the merger probability in
 * the title), the map as FITS, and a grid of the most confident true/false positives/negatives, as the DeepShadows
 * Grad-CAM notebook shows high-confidence correct and mis-classifications (Tanoglidis et al. 2021).
 */
public final class Overlays {
    /** Side of one rendered panel, screen pixels. */
    static final int PANEL = 192;
    private static final int PAD = 6;
    private static final int TITLE = 34;
    private static final float MAX_ALPHA = 0.6f;

    private Overlays() {
    }

    /**
     * One explained input.
     *
     * @param id      image id or {@code objectId/sourceId}
     * @param label   0/1 or null
     * @param display {@code [H*W]} the input shown in grey (e.g. the mean of the survey channels)
     * @param map     the Grad-CAM result
     */
    public record Explained(String id, Integer label, float[] display, GradCam.Map map) {
    }

    /**
     * Input and overlay side by side, titled with the id, label and merger probability.
     *
     * @param e     the explained input
     * @param layer target layer name (caption)
     * @param file  PNG to write
     * @throws DeepMergeException IO_ERROR
     */
    public static void overlay(Explained e, String layer, Path file) throws DeepMergeException {
        int w = 2 * PANEL + 3 * PAD;
        int h = TITLE + PANEL + PAD + 14;
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        g.drawString(fit(e.id(), 44), PAD, 14);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(String.format(Locale.ROOT, "p(merger) = %.3f   logit %.2f%s%s", e.map().probability(), e.map().logit(),
                e.label() == null ? "" : "   label " + (e.label() == 1 ? "merger" : "non-merger"),
                e.map().peak() > 0 ? "" : "   (map empty)"), PAD, 29);
        g.drawImage(render(e, PANEL, false), PAD, TITLE, null);
        g.drawImage(render(e, PANEL, true), 2 * PAD + PANEL, TITLE, null);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        g.drawString("input (asinh)", PAD, TITLE + PANEL + 12);
        g.drawString("Grad-CAM, layer " + layer, 2 * PAD + PANEL, TITLE + PANEL + 12);
        g.dispose();
        write(out, file);
    }

    /**
     * A grid with one row each for true positives, false positives, true negatives and false negatives, the most
     * confident first (farthest from the threshold), each cell the overlay captioned with p (ids: explain.csv).
     *
     * @param items     labelled explained inputs (unlabelled ones are ignored)
     * @param threshold merger probability at and above which an input is called a merger
     * @param perClass  cells per row
     * @param title    title line
     * @param file     PNG to write
     * @throws DeepMergeException IO_ERROR
     */
    public static void grid(List<Explained> items, double threshold, int perClass, String title, Path file) throws DeepMergeException {
        int cell = 80;
        int labelW = 34;
        int rowH = cell + 16;
        String[] names = {"TP", "FP", "TN", "FN"};
        BufferedImage out = new BufferedImage(labelW + perClass * (cell + PAD), 22 + 4 * rowH, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(fit(title, (out.getWidth() - 8) / 7), 4, 15);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        for (int row = 0; row < 4; row++) {
            List<Explained> members = new ArrayList<>();
            for (Explained e : items) {
                if (e.label() != null && category(e.label(), e.map().probability(), threshold) == row) {
                    members.add(e);
                }
            }
            members.sort(Comparator.comparingDouble(e -> -Math.abs(e.map().probability() - threshold)));
            int top = 22 + row * rowH;
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
            g.drawString(names[row], 4, top + cell / 2);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
            if (members.isEmpty()) {
                g.drawString("none", labelW, top + cell / 2);
            }
            for (int m = 0; m < Math.min(perClass, members.size()); m++) {
                Explained e = members.get(m);
                int x = labelW + m * (cell + PAD);
                g.drawImage(render(e, cell, true), x, top, null);
                g.setColor(Color.BLACK);
                g.drawString(String.format(Locale.ROOT, "p = %.2f", e.map().probability()), x,
                        top + cell + 11);
            }
        }
        g.dispose();
        write(out, file);
    }

    /** @return 0 TP, 1 FP, 2 TN, 3 FN */
    static int category(int label, double p, double threshold) {
        boolean called = p >= threshold;
        return label == 1 ? (called ? 0 : 3) : (called ? 1 : 2);
    }

    /**
     * The map as FITS: primary HDU the normalised map {@code [H,W]} (NAXIS1 = W; row 0 of the model input is FITS
     * row 1), an image extension {@code COARSE} with the unnormalised map at the target layer's resolution.
     *
     * @param e     the explained input
     * @param layer target layer name
     * @param file  FITS file to write
     * @throws DeepMergeException IO_ERROR
     */
    public static void fits(Explained e, String layer, Path file) throws DeepMergeException {
        GradCam.Map m = e.map();
        try (Fits f = new Fits()) {
            BasicHDU<?> primary = Fits.makeHDU(rows(m.map(), m.height(), m.width()));
            Header h = primary.getHeader();
            h.addValue("OBJECT", fit(e.id(), 60), "input id");
            h.addValue("GCLAYER", layer, "Grad-CAM target layer");
            h.addValue("GCCLASS", "merger", "explained class score (pre-sigmoid logit)");
            h.addValue("PMERGER", m.probability(), "network merger probability");
            h.addValue("LOGIT", m.logit(), "merger logit");
            h.addValue("GCPEAK", m.peak(), "max of the coarse map before normalisation");
            if (e.label() != null) {
                h.addValue("LABEL", e.label(), "1 merger, 0 non-merger");
            }
            h.addValue("ORIGIN", "DeepMerge Streams deepmerge-train explain", "Selvaraju et al. 2017 Grad-CAM");
            f.addHDU(primary);
            BasicHDU<?> coarse = Fits.makeHDU(rows(m.coarse(), m.coarseHeight(), m.coarseWidth()));
            coarse.getHeader().addValue("EXTNAME", "COARSE", "ReLU(sum_k alpha_k A^k) at the layer's resolution");
            f.addHDU(coarse);
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (OutputStream os = Files.newOutputStream(file); FitsOutputStream fo = new FitsOutputStream(os)) {
                f.write(fo);
            }
        } catch (FitsException | IOException ex) {
            throw new DeepMergeException(Reason.IO_ERROR, file + ": cannot write FITS: " + ex.getMessage(), ex);
        }
    }

    private static float[][] rows(float[] v, int h, int w) {
        float[][] out = new float[h][w];
        for (int y = 0; y < h; y++) {
            System.arraycopy(v, y * w, out[y], 0, w);
        }
        return out;
    }

    /**
     * The input asinh-stretched in grey ({@code asinh((v - lo) / s) / asinh((hi - lo) / s)}, lo the 1st percentile,
     * hi the maximum, s = (hi - lo) / 3: a mild stretch, as model inputs are usually normalised already), optionally
     * with the map on top, resampled bilinearly to a square.
     */
    static BufferedImage render(Explained e, int side, boolean withMap) {
        int h = e.map().height();
        int w = e.map().width();
        float[] v = e.display();
        float[] sorted = v.clone();
        Arrays.sort(sorted);
        double lo = sorted[(int) (0.01 * (sorted.length - 1))];
        double hi = sorted[sorted.length - 1];
        if (!(hi > lo)) {
            hi = lo + 1;
        }
        double soft = (hi - lo) / 3;
        double norm = asinh((hi - lo) / soft);
        float[] grey = GradCam.bilinear(v, h, w, side, side);
        float[] heat = GradCam.bilinear(e.map().map(), h, w, side, side);
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < side * side; p++) {
            double s = Math.min(1, Math.max(0, asinh(Math.max(0, grey[p] - lo) / soft) / norm));
            double r = s;
            double gg = s;
            double b = s;
            if (withMap) {
                float t = Math.min(1f, Math.max(0f, heat[p]));
                float[] c = colour(t);
                double a = MAX_ALPHA * t;
                r = (1 - a) * s + a * c[0];
                gg = (1 - a) * s + a * c[1];
                b = (1 - a) * s + a * c[2];
            }
            img.setRGB(p % side, p / side, (to8(r) << 16) | (to8(gg) << 8) | to8(b));
        }
        return img;
    }

    /** A jet-like colour scale: blue (0), cyan, yellow, red (1). */
    static float[] colour(float t) {
        return new float[] {clamp(1.5f - Math.abs(4 * t - 3)), clamp(1.5f - Math.abs(4 * t - 2)), clamp(1.5f - Math.abs(4 * t - 1))};
    }

    private static float clamp(float x) {
        return Math.min(1f, Math.max(0f, x));
    }

    private static int to8(double x) {
        return (int) Math.round(255 * Math.min(1, Math.max(0, x)));
    }

    private static double asinh(double x) {
        return Math.log(x + Math.sqrt(x * x + 1));
    }

    private static String fit(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "~";
    }

    private static void write(BufferedImage img, Path file) throws DeepMergeException {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            ImageIO.write(img, "png", file.toFile());
        } catch (IOException ex) {
            throw new DeepMergeException(Reason.IO_ERROR, file + ": cannot write PNG: " + ex.getMessage(), ex);
        }
    }
}
