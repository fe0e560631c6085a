package org.deepmerge.training.data;

import java.nio.file.Path;
import java.util.Arrays;
import nom.tam.fits.BasicHDU;
import nom.tam.fits.BinaryTable;
import nom.tam.fits.BinaryTableHDU;
import nom.tam.fits.Fits;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.io.NpyFile;

/** Writes small files in exactly the HLSP DeepMerge formats (FITS cube + MergerLabels table, .npy). */
public final class HlspFixtures {
    private HlspFixtures() {
    }

    /** The pixel value the fixtures store at image i, filter f, row y, column x (exact in float32). */
    public static float value(int i, int f, int y, int x) {
        return i * 100000f + f * 10000f + y * 100f + x;
    }

    /** Images (N,F,H,W) as {@code <f4} with {@link #value}. */
    public static void writeNpyImages(Path file, int n, int f, int h, int w) throws DeepMergeException {
        float[] v = new float[n * f * h * w];
        int k = 0;
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < f; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        v[k++] = value(i, c, y, x);
                    }
                }
            }
        }
        try (NpyFile.Writer out = NpyFile.create(file, NpyFile.FLOAT32, n, f, h, w)) {
            out.writeFloats(v);
        }
    }

    /** Labels (N,) as {@code <i8}. */
    public static void writeNpyLabels(Path file, int[] labels) throws DeepMergeException {
        try (NpyFile.Writer out = NpyFile.create(file, NpyFile.INT64, labels.length)) {
            out.writeLongs(Arrays.stream(labels).asLongStream().toArray());
        }
    }

    /**
     * The HLSP FITS layout: primary HDU "Images" float32 with NAXIS1=W, NAXIS2=H, NAXIS3=F, NAXIS4=N (a Java
     * float[N][F][H][W]), extension 1 "MergerLabels" binary table whose first column is the label.
     */
    public static void writeFits(Path file, int n, int f, int h, int w, int[] labels) throws Exception {
        writeFits(file, n, f, h, w, (Object) labels.clone());
    }

    /** As above with the label column given as any FITS column array (long[], double[], boolean[], ...). */
    public static void writeFits(Path file, int n, int f, int h, int w, Object labelColumn) throws Exception {
        float[][][][] cube = new float[n][f][h][w];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < f; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        cube[i][c][y][x] = value(i, c, y, x);
                    }
                }
            }
        }
        try (Fits fits = new Fits()) {
            BasicHDU<?> images = Fits.makeHDU(cube);
            images.addValue("EXTNAME", "Images", "mock images, microJansky/arcsec^2");
            fits.addHDU(images);
            BinaryTable table = new BinaryTable();
            table.addColumn(labelColumn);
            double[] past = new double[n];
            table.addColumn(past);
            BinaryTableHDU hdu = BinaryTableHDU.wrap(table);
            hdu.setColumnName(0, "MergerLabel", "1 merger, 0 non-merger");
            hdu.setColumnName(1, "Other", null);
            hdu.addValue("EXTNAME", "MergerLabels", null);
            fits.addHDU(hdu);
            fits.write(file.toFile());
        }
    }

    /** Writes a dataset in the HLSP FITS layout (for end-to-end tests of the commands). */
    public static void writeFits(Path file, ImageDataset d) throws Exception {
        int h = d.height();
        int w = d.width();
        float[][][][] cube = new float[d.size()][d.channels()][h][w];
        float[] p = d.pixels();
        for (int i = 0; i < d.size(); i++) {
            for (int c = 0; c < d.channels(); c++) {
                for (int y = 0; y < h; y++) {
                    System.arraycopy(p, (int) d.offset(i) + (c * h + y) * w, cube[i][c][y], 0, w);
                }
            }
        }
        try (Fits fits = new Fits()) {
            fits.addHDU(Fits.makeHDU(cube));
            BinaryTable table = new BinaryTable();
            table.addColumn(d.labels());
            BinaryTableHDU hdu = BinaryTableHDU.wrap(table);
            hdu.setColumnName(0, "MergerLabel", null);
            hdu.addValue("EXTNAME", "MergerLabels", null);
            fits.addHDU(hdu);
            fits.write(file.toFile());
        }
    }
}
