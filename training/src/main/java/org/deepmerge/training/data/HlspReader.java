package org.deepmerge.training.data;

import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import nom.tam.fits.BasicHDU;
import nom.tam.fits.BinaryTableHDU;
import nom.tam.fits.Fits;
import nom.tam.fits.Header;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.io.NpyFile;

/**
 * Reads the DeepMerge HLSP training sets (MAST, DOI 10.17909/t9-vqk6-pc80; see ../seeds/hlsp-deepmerge-mast-page.txt):
 * <ul>
 *   <li>FITS {@code hlsp_deepmerge_..._<filters>_v1_sim-<type>.fits}: primary HDU "Images", float32 cube with
 *   NAXIS1=W=75, NAXIS2=H=75, NAXIS3=F filters, NAXIS4=N images (numpy shape (N,F,75,75)); extension
 *   "MergerLabels", a binary table whose first column is the merger label (1/0).</li>
 *   <li>.npy pairs {@code ..._sim-<type>-x.npy} / {@code -y.npy} (or {@code ...labels-y.npy}), and the GitHub names
 *   {@code pristine_2filt_X.npy} / {@code pristine_2filt_y.npy}: x of shape (N,F,H,W), y of shape (N) or (N,k)
 *   with the merger flag in column 0.</li>
 * </ul>
 * Pixels stay in the HLSP units (microJansky/arcsec^2, 0.1875 arcsec/px); the DeepMerge paper applies no
 * normalisation. Images are streamed one at a time into one {@code [N,C,H,W]} array, keeping only the selected
 * channels, so the cube is never held twice.
 */
public final class HlspReader {

    /** HLSP pixel scale, arcsec/px (MAST HLSP page). */
    public static final double PIXEL_SCALE_ARCSEC = 0.1875;
    /** Filters of the 2-filter sets, in channel order. */
    public static final List<String> FILTERS_2 = List.of("F814W", "F160W");
    /** Filters of the 3-filter sets, in channel order. */
    public static final List<String> FILTERS_3 = List.of("F814W", "F160W", "F356W");

    private static final Pattern FILTERS_IN_NAME = Pattern.compile("_((?:f\\d{3,4}[wmn]|[ugrizy])(?:-(?:f\\d{3,4}[wmn]|[ugrizy]))*)_",
            Pattern.CASE_INSENSITIVE);

    private HlspReader() {
    }

    /**
     * Filter names of a file: parsed from the HLSP name ({@code _f814w-f160w_}, or
     * optical bands {@code _g-r-i_}, kept lower-case as in the core {@code Bands}), else the HLSP sets' filters by
     * count (2: F814W,F160W; 3: F814W,F160W,F356W), else {@code ch0..}.
     *
     * @param file    the FITS or .npy file
     * @param filters F, the number of filters in the file
     * @return F upper-case filter names
     */
    public static List<String> filterNames(Path file, int filters) {
        Matcher m = FILTERS_IN_NAME.matcher(file.getFileName().toString());
        if (m.find()) {
            String[] parts = m.group(1).split("-");
            for (int i = 0; i < parts.length; i++) {
                parts[i] = parts[i].length() == 1 ? parts[i].toLowerCase(Locale.ROOT) : parts[i].toUpperCase(Locale.ROOT);
            }
            if (parts.length == filters) {
                return List.of(parts);
            }
        }
        if (filters == 2) {
            return FILTERS_2;
        }
        if (filters == 3) {
            return FILTERS_3;
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < filters; i++) {
            names.add("ch" + i);
        }
        return names;
    }

    /**
     * @param available filter names in file order
     * @param wanted    filter names to keep, in the wanted channel order (case-insensitive); null or empty = all
     * @param where     file name for messages
     * @return file channel index of each output channel
     * @throws DeepMergeException INVALID_CONFIG when a wanted filter is not in the file
     */
    public static int[] selectChannels(List<String> available, List<String> wanted, Object where) throws DeepMergeException {
        if (wanted == null || wanted.isEmpty()) {
            return java.util.stream.IntStream.range(0, available.size()).toArray();
        }
        int[] sel = new int[wanted.size()];
        for (int k = 0; k < sel.length; k++) {
            sel[k] = -1;
            for (int i = 0; i < available.size(); i++) {
                if (available.get(i).equalsIgnoreCase(wanted.get(k).trim())) {
                    sel[k] = i;
                }
            }
            if (sel[k] < 0) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, where + ": filter " + wanted.get(k)
                        + " not present; the file has " + available);
            }
        }
        return sel;
    }

    /**
     * Reads an HLSP .npy pair.
     *
     * @param xFile    the images file (N,F,H,W)
     * @param yFile    the labels file, or null to derive it from xFile's name
     * @param channels filters to keep, in order (null = all)
     * @return the dataset, C = channels.size()
     * @throws DeepMergeException IO_ERROR, WRONG_SHAPE (bad dtype/shape, N mismatch, label not 0/1),
     *                            INVALID_CONFIG (unknown filter, no label file found)
     */
    public static ImageDataset readNpy(Path xFile, Path yFile, List<String> channels) throws DeepMergeException {
        Path y = yFile != null ? yFile : labelsFileFor(xFile);
        NpyFile x = NpyFile.open(xFile);
        if (x.shape().length != 4) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, xFile + ": expected shape (N,F,H,W), got "
                    + java.util.Arrays.toString(x.shape()));
        }
        int n = (int) x.shape()[0];
        int f = (int) x.shape()[1];
        int h = (int) x.shape()[2];
        int w = (int) x.shape()[3];
        int[] labels = readNpyLabels(y, n);
        List<String> names = filterNames(xFile, f);
        int[] sel = selectChannels(names, channels, xFile);
        float[] images = allocate(n, sel.length, h, w, xFile);
        int plane = h * w;
        float[] one = new float[f * plane];
        try (FileChannel ch = FileChannel.open(xFile, StandardOpenOption.READ)) {
            for (int i = 0; i < n; i++) {
                x.readFloats(ch, (long) i * one.length, one.length, one, 0);
                for (int c = 0; c < sel.length; c++) {
                    System.arraycopy(one, sel[c] * plane, images, (int) (((long) i * sel.length + c) * plane), plane);
                }
            }
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, xFile + ": read failed: " + e.getMessage(), e);
        }
        return new ImageDataset(images, labels, select(names, sel), h, w, null, xFile.toString());
    }

    /**
     * Merger labels from a .npy file of shape (N) or (N,k) (column 0 is the merger flag, as in
     * subsamples_y.npy), any supported dtype, values 0 or 1.
     *
     * @param yFile     the labels file
     * @param expectedN expected N, or -1 for any
     * @return N labels
     * @throws DeepMergeException WRONG_SHAPE when N differs, the rank is not 1/2 or a value is not 0/1
     */
    public static int[] readNpyLabels(Path yFile, int expectedN) throws DeepMergeException {
        NpyFile y = NpyFile.open(yFile);
        if (y.shape().length < 1 || y.shape().length > 2 || (expectedN >= 0 && y.shape()[0] != expectedN)) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, yFile + ": labels shape " + java.util.Arrays.toString(y.shape())
                    + (expectedN >= 0 ? ", expected (" + expectedN + ") or (" + expectedN + ",k)" : ""));
        }
        int n = (int) y.shape()[0];
        int k = y.shape().length == 2 ? (int) y.shape()[1] : 1;
        float[] all = y.readAllFloats();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = toLabel(all[i * k], yFile, i);
        }
        return labels;
    }

    /**
     * The label file for an images file: {@code -x.npy} to {@code -y.npy}, {@code _X.npy} to {@code _y.npy}, else
     * a sibling ending in {@code labels-y.npy} (the MAST name of the shared 2-filter labels).
     *
     * @param xFile the images file
     * @return the labels file
     * @throws DeepMergeException INVALID_CONFIG when none exists
     */
    public static Path labelsFileFor(Path xFile) throws DeepMergeException {
        String name = xFile.getFileName().toString();
        List<Path> candidates = new ArrayList<>();
        if (name.endsWith("-x.npy")) {
            candidates.add(xFile.resolveSibling(name.substring(0, name.length() - 6) + "-y.npy"));
        }
        if (name.endsWith("_X.npy") || name.endsWith("_x.npy")) {
            candidates.add(xFile.resolveSibling(name.substring(0, name.length() - 6) + "_y.npy"));
        }
        for (Path c : candidates) {
            if (Files.isRegularFile(c)) {
                return c;
            }
        }
        Path dir = xFile.toAbsolutePath().getParent();
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> shared = s.filter(p -> p.getFileName().toString().endsWith("labels-y.npy")).sorted().toList();
            if (shared.size() == 1) {
                return shared.get(0);
            }
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, dir + ": cannot list: " + e.getMessage(), e);
        }
        throw new DeepMergeException(Reason.INVALID_CONFIG, xFile + ": no label file found (tried " + candidates
                + " and *labels-y.npy); pass it explicitly");
    }

    /**
     * Reads an HLSP FITS file: the image cube is streamed from the primary HDU's data offset image by image;
     * labels come from the first column of the "MergerLabels" binary table (else the first binary table).
     *
     * @param file     the FITS file
     * @param channels filters to keep, in order (null = all)
     * @return the dataset
     * @throws DeepMergeException CORRUPT_FITS (unparseable), WRONG_SHAPE (not a float 4-D cube, N mismatch,
     *                            label not 0/1), INVALID_CONFIG (unknown filter), IO_ERROR
     */
    public static ImageDataset readFits(Path file, List<String> channels) throws DeepMergeException {
        long dataOffset;
        int bitpix;
        int n;
        int f;
        int h;
        int w;
        int[] labels;
        try (Fits fits = new Fits(file.toFile())) {
            BasicHDU<?>[] hdus = fits.read();
            if (hdus == null || hdus.length == 0) {
                throw new DeepMergeException(Reason.CORRUPT_FITS, file + ": no HDU");
            }
            Header ph = hdus[0].getHeader();
            bitpix = ph.getIntValue("BITPIX");
            if (ph.getIntValue("NAXIS") != 4 || (bitpix != -32 && bitpix != -64)) {
                throw new DeepMergeException(Reason.WRONG_SHAPE, file + ": primary HDU must be a float cube with NAXIS=4"
                        + " (NAXIS1=W, NAXIS2=H, NAXIS3=filters, NAXIS4=images), got NAXIS=" + ph.getIntValue("NAXIS")
                        + " BITPIX=" + bitpix);
            }
            w = ph.getIntValue("NAXIS1");
            h = ph.getIntValue("NAXIS2");
            f = ph.getIntValue("NAXIS3");
            n = ph.getIntValue("NAXIS4");
            if (ph.getDoubleValue("BSCALE", 1) != 1 || ph.getDoubleValue("BZERO", 0) != 0) {
                throw new DeepMergeException(Reason.WRONG_SHAPE, file + ": BSCALE/BZERO on a float cube are not supported");
            }
            dataOffset = hdus[0].getData().getFileOffset();
            BinaryTableHDU table = labelTable(hdus, file);
            if (table.getData().getNRows() != n) {
                throw new DeepMergeException(Reason.WRONG_SHAPE, file + ": MergerLabels has " + table.getData().getNRows()
                        + " rows for " + n + " images");
            }
            labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = toLabel(scalar(table.getData().get(i, 0)), file, i);
            }
        } catch (IOException | RuntimeException e) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, file + ": cannot parse FITS: " + e.getMessage(), e);
        }
        List<String> names = filterNames(file, f);
        int[] sel = selectChannels(names, channels, file);
        float[] images = allocate(n, sel.length, h, w, file);
        int plane = h * w;
        int bytes = bitpix == -32 ? 4 : 8;
        ByteBuffer buf = ByteBuffer.allocate(f * plane * bytes).order(ByteOrder.BIG_ENDIAN);
        float[] one = new float[f * plane];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long pos = dataOffset;
            for (int i = 0; i < n; i++) {
                buf.clear();
                while (buf.hasRemaining()) {
                    int r = ch.read(buf, pos + buf.position());
                    if (r < 0) {
                        throw new DeepMergeException(Reason.CORRUPT_FITS, file + ": data truncated in image " + i + " of " + n);
                    }
                }
                buf.flip();
                for (int k = 0; k < one.length; k++) {
                    one[k] = bytes == 4 ? buf.getFloat() : (float) buf.getDouble();
                }
                pos += (long) one.length * bytes;
                for (int c = 0; c < sel.length; c++) {
                    System.arraycopy(one, sel[c] * plane, images, (int) (((long) i * sel.length + c) * plane), plane);
                }
            }
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, file + ": read failed: " + e.getMessage(), e);
        }
        return new ImageDataset(images, labels, select(names, sel), h, w, null, file.toString());
    }

    private static BinaryTableHDU labelTable(BasicHDU<?>[] hdus, Path file) throws DeepMergeException {
        BinaryTableHDU first = null;
        for (int i = 1; i < hdus.length; i++) {
            if (hdus[i] instanceof BinaryTableHDU t) {
                String ext = t.getHeader().getStringValue("EXTNAME");
                if (ext != null && ext.trim().equalsIgnoreCase("MergerLabels")) {
                    return t;
                }
                if (first == null) {
                    first = t;
                }
            }
        }
        if (first == null) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, file + ": no MergerLabels binary table extension");
        }
        return first;
    }

    private static double scalar(Object cell) throws DeepMergeException {
        Object v = cell;
        if (v != null && v.getClass().isArray()) {
            v = Array.getLength(v) > 0 ? Array.get(v, 0) : null;
        }
        if (v instanceof Number num) {
            return num.doubleValue();
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (v instanceof Character c) {
            return c == 'T' || c == '1' ? 1 : 0;
        }
        throw new DeepMergeException(Reason.WRONG_SHAPE, "unsupported merger label cell " + cell);
    }

    private static int toLabel(double v, Object where, int row) throws DeepMergeException {
        if (v == 0) {
            return 0;
        }
        if (v == 1) {
            return 1;
        }
        throw new DeepMergeException(Reason.WRONG_SHAPE, where + ": merger label of row " + row + " is " + v + ", expected 0 or 1");
    }

    private static float[] allocate(int n, int c, int h, int w, Object where) throws DeepMergeException {
        long total = (long) n * c * h * w;
        if (total > Integer.MAX_VALUE - 8) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, where + ": " + total + " floats exceed one Java array; select fewer channels");
        }
        return new float[(int) total];
    }

    private static List<String> select(List<String> names, int[] sel) {
        List<String> out = new ArrayList<>();
        for (int s : sel) {
            out.add(names.get(s));
        }
        return out;
    }
}
