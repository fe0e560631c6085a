package org.deepmerge.core.synthetic;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import nom.tam.fits.BinaryTable;
import nom.tam.fits.BinaryTableHDU;
import nom.tam.fits.FitsException;
import nom.tam.fits.FitsUtil;
import nom.tam.fits.Header;
import nom.tam.util.FitsOutputStream;
import org.deepmerge.core.DeepMergeException;

/**
 * Streaming writer of a FITS file in the layout of the MAST DeepMerge HLSP files (DOI 10.17909/t9-vqk6-pc80):
 * <ul>
 * <li>primary HDU, {@code EXTNAME = 'Images'}: float32 (BITPIX -32) cube, {@code NAXIS1 = W, NAXIS2 = H,
 *     NAXIS3 = F (filters), NAXIS4 = N (images)} — numpy/astropy shape {@code (N, F, H, W)}; BUNIT
 *     microJansky/arcsec^2; {@code FILTER1..F} name the channels;</li>
 * <li>extension 1, {@code EXTNAME = 'MergerLabels'}: a binary table whose first (only) column
 *     {@code MergerLabel} (32-bit integer, 1 = merger, 0 = not) holds one row per image.</li>
 * </ul>
 * The header (with N fixed up front) is written by nom-tam-fits; images are then streamed one {@code [F,H,W]}
 * block at a time straight to the file, so memory does not grow with N; {@link #close()} pads the data unit to
 * 2880 bytes and writes the label table with nom-tam-fits. The HLSP files put mergers first; the caller decides
 * the order ({@link HlspSetWriter} writes mergers first). The real files' label column name is not documented;
 * readers should use column 0.
 */
public final class HlspFitsWriter implements AutoCloseable {

    /** EXTNAME of the image HDU. */
    public static final String IMAGES_EXTNAME = "Images";
    /** EXTNAME of the label table. */
    public static final String LABELS_EXTNAME = "MergerLabels";
    /** Name of the label column. */
    public static final String LABEL_COLUMN = "MergerLabel";

    private final Path path;
    private final FitsOutputStream out;
    private final int n;
    private final int blockFloats;
    private final int[] labels;
    private int written;
    private boolean closed;

    private HlspFitsWriter(Path path, FitsOutputStream out, int n, int blockFloats) {
        this.path = path;
        this.out = out;
        this.n = n;
        this.blockFloats = blockFloats;
        this.labels = new int[n];
    }

    /**
     * Creates the file and writes the primary header.
     *
     * @param path             file to (over)write
     * @param nImages          N, the number of images that will be appended, &gt;= 1
     * @param bands            filter names in channel order (F = size)
     * @param size             H = W, pixels (75 for the HLSP)
     * @param pixelScaleArcsec arcsec/px (0.1875 for the HLSP), recorded as PIXSCALE
     * @return the writer
     * @throws DeepMergeException INVALID_CONFIG for N &lt; 1, no bands or size &lt; 1; IO_ERROR if the file cannot
     *                            be written
     */
    public static HlspFitsWriter open(Path path, int nImages, List<String> bands, int size, double pixelScaleArcsec)
            throws DeepMergeException {
        if (nImages < 1 || bands == null || bands.isEmpty() || size < 1) {
            throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG, "HLSP FITS writer " + path
                    + ": need N >= 1, at least one band and size >= 1 (N=" + nImages + ", bands=" + bands
                    + ", size=" + size + ")");
        }
        FitsOutputStream out = null;
        try {
            out = new FitsOutputStream(new BufferedOutputStream(Files.newOutputStream(path), 1 << 16));
            Header h = new Header();
            h.addValue("SIMPLE", true, "conforms to FITS standard");
            h.addValue("BITPIX", -32, "IEEE float32");
            h.addValue("NAXIS", 4, "");
            h.addValue("NAXIS1", size, "[px] image width");
            h.addValue("NAXIS2", size, "[px] image height");
            h.addValue("NAXIS3", bands.size(), "filters");
            h.addValue("NAXIS4", nImages, "images");
            h.addValue("EXTEND", true, "MergerLabels table follows");
            h.addValue("EXTNAME", IMAGES_EXTNAME, "");
            h.addValue("BUNIT", FitsStamps.BUNIT, "surface brightness, microJansky per arcsec^2");
            h.addValue("PIXSCALE", pixelScaleArcsec, "[arcsec/px] pixel scale");
            for (int i = 0; i < bands.size(); i++) {
                h.addValue("FILTER" + (i + 1), bands.get(i), "filter of plane " + (i + 1) + " (NAXIS3)");
            }
            h.addValue("ORIGIN", "DeepMerge Streams synthetic", "org.deepmerge.core.synthetic");
            h.write(out);
            return new HlspFitsWriter(path, out, nImages, bands.size() * size * size);
        } catch (IOException | FitsException e) {
            closeQuietly(out);
            throw new DeepMergeException(DeepMergeException.Reason.IO_ERROR, "HLSP FITS writer: cannot write " + path
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Appends one image and its label.
     *
     * @param image  {@code [F,H,W]} float32, microJansky/arcsec^2
     * @param merger the label
     * @throws DeepMergeException WRONG_SHAPE if the image is not F*H*W floats; INVALID_CONFIG if N images were
     *                            already written or the writer is closed; IO_ERROR on write failure
     */
    public void append(float[] image, boolean merger) throws DeepMergeException {
        if (closed || written >= n) {
            throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG, "HLSP FITS writer " + path
                    + ": cannot append image " + (written + 1) + " of " + n + (closed ? " (closed)" : ""));
        }
        if (image == null || image.length != blockFloats) {
            throw new DeepMergeException(DeepMergeException.Reason.WRONG_SHAPE, "HLSP FITS writer " + path + ": image "
                    + (written + 1) + " has " + (image == null ? "no" : image.length) + " floats, expected "
                    + blockFloats);
        }
        try {
            out.write(image, 0, image.length);
        } catch (IOException e) {
            throw new DeepMergeException(DeepMergeException.Reason.IO_ERROR, "HLSP FITS writer: write failed: " + path, e);
        }
        labels[written++] = merger ? 1 : 0;
    }

    /** @return images appended so far */
    public int written() {
        return written;
    }

    /**
     * Pads the image data, writes the MergerLabels table and closes the file.
     *
     * @throws DeepMergeException INVALID_CONFIG if fewer than N images were appended (the file is then
     *                            incomplete); IO_ERROR on failure
     */
    @Override
    public void close() throws DeepMergeException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (written == n) {
                out.write(new byte[FitsUtil.padding((long) n * blockFloats * Float.BYTES)]);
                BinaryTable table = BinaryTable.fromColumnMajor(new Object[] {labels});
                BinaryTableHDU hdu = table.toHDU();
                hdu.setColumnName(0, LABEL_COLUMN, "1 = merger, 0 = non-merger");
                hdu.getHeader().addValue("EXTNAME", LABELS_EXTNAME, "");
                hdu.write(out);
            }
            out.close();
        } catch (IOException | FitsException e) {
            throw new DeepMergeException(DeepMergeException.Reason.IO_ERROR, "HLSP FITS writer: cannot finish " + path
                    + ": " + e.getMessage(), e);
        }
        if (written != n) {
            throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG, "HLSP FITS writer " + path + ": "
                    + written + " images appended, header declares " + n + "; file is incomplete");
        }
    }

    private static void closeQuietly(FitsOutputStream out) {
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // the original failure is reported
            }
        }
    }
}
