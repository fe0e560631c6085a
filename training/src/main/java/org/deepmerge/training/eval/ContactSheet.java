package org.deepmerge.training.eval;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.deepmerge.core.DeepMergeException;

/**
 * A PNG grid of model inputs, to look at what a model sees: each tile is one channel {@code [H,W]} of a model input
 * (row 0 at the top), grey-scaled linearly from {@code lo} (black) to {@code hi} (white), with a caption under it.
 */
public final class ContactSheet {

    /**
     * One tile.
     *
     * @param pixels  {@code [H,W]} float32, row-major
     * @param width   W
     * @param height  H
     * @param caption text under the tile (e.g. id and score)
     */
    public record Tile(float[] pixels, int width, int height, String caption) {
    }

    private ContactSheet() {
    }

    /**
     * @param tiles   the tiles, in reading order
     * @param columns tiles per row
     * @param zoom    screen pixels per image pixel
     * @param lo      value shown black
     * @param hi      value shown white
     * @param title   title line on top
     * @param out     PNG file to write
     * @throws DeepMergeException IO_ERROR when the file cannot be written
     */
    public static void write(List<Tile> tiles, int columns, int zoom, float lo, float hi, String title, Path out)
            throws DeepMergeException {
        int tw = tiles.stream().mapToInt(Tile::width).max().orElse(1) * zoom;
        int th = tiles.stream().mapToInt(Tile::height).max().orElse(1) * zoom;
        int caption = 14;
        int pad = 4;
        int rows = (tiles.size() + columns - 1) / columns;
        int top = 20;
        BufferedImage img = new BufferedImage(columns * (tw + pad) + pad, top + rows * (th + caption + pad) + pad,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(title, pad, 14);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        for (int i = 0; i < tiles.size(); i++) {
            Tile t = tiles.get(i);
            int x0 = pad + (i % columns) * (tw + pad);
            int y0 = top + (i / columns) * (th + caption + pad);
            for (int y = 0; y < t.height() * zoom; y++) {
                for (int x = 0; x < t.width() * zoom; x++) {
                    float v = t.pixels()[(y / zoom) * t.width() + x / zoom];
                    int grey = Float.isFinite(v) ? Math.round(255 * Math.min(1f, Math.max(0f, (v - lo) / (hi - lo)))) : 0;
                    img.setRGB(x0 + x, y0 + y, (grey << 16) | (grey << 8) | grey);
                }
            }
            g.setColor(Color.BLACK);
            g.drawString(t.caption(), x0, y0 + th + 11);
        }
        g.dispose();
        try {
            if (out.toAbsolutePath().getParent() != null) {
                Files.createDirectories(out.toAbsolutePath().getParent());
            }
            ImageIO.write(img, "png", out.toFile());
        } catch (IOException e) {
            throw new DeepMergeException(DeepMergeException.Reason.IO_ERROR, out + ": cannot write PNG: " + e.getMessage(), e);
        }
    }
}
