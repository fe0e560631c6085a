package org.deepmerge.training.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import nom.tam.fits.BasicHDU;
import nom.tam.fits.BinaryTable;
import nom.tam.fits.BinaryTableHDU;
import nom.tam.fits.Fits;

/** Writes small files in exactly the HLSP DeepMerge formats (FITS cube + MergerLabels table, .npy v1/v2). */
public final class HlspFixtures {
    private HlspFixtures() {
    }

    /** The pixel value the fixtures store at image i, filter f, row y, column x (exact in float32). */
    public static float value(int i, int f, int y, int x) {
        return i * 100000f + f * 10000f + y * 100f + x;
    }

    /**
     * Writes a .npy file as numpy.save does: magic, version, little-endian header length, the dict padded with
     * spaces and a newline so the data starts at a multiple of 64.
     */
    public static void writeNpy(Path file, int major, String descr, long[] shape, byte[] data) throws IOException {
        String shapeText = shape.length == 1 ? "(" + shape[0] + ",)"
                : "(" + Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ")) + ")";
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeText + ", }";
        int prefix = major == 1 ? 10 : 12;
        int total = prefix + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        String header = dict + " ".repeat(padded - total) + "\n";
        ByteBuffer b = ByteBuffer.allocate(padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) header.length());
        } else {
            b.putInt(header.length());
        }
        b.put(header.getBytes(StandardCharsets.US_ASCII)).put(data);
        Files.write(file, b.array());
    }

    /** Images (N,F,H,W) as {@code <f4} with {@link #value}. */
    public static void writeNpyImages(Path file, int n, int f, int h, int w) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n * f * h * w * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < f; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        b.putFloat(value(i, c, y, x));
                    }
                }
            }
        }
        writeNpy(file, 1, "<f4", new long[] {n, f, h, w}, b.array());
    }

    /** Labels (N,) as {@code <i8}. */
    public static void writeNpyLabels(Path file, int[] labels) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(labels.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int l : labels) {
            b.putLong(l);
        }
        writeNpy(file, 1, "<i8", new long[] {labels.length}, b.array());
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
