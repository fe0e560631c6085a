package org.deepmerge.training.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import nom.tam.fits.BasicHDU;
import nom.tam.fits.Fits;
import nom.tam.util.ArrayFuncs;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.io.Csv;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;

/**
 * Reads a labelled image folder: {@code labels.csv} (header row; id and label columns configurable, label 0/1)
 * and {@code images/<id>.<ext>} with ext jpeg, jpg, png (javax.imageio) or fits, fit, fits.gz (nom-tam-fits:
 * a 2-D image is one channel, a 3-D cube {@code (C,H,W)} is C channels). Every image goes through the
 * {@link StampPreprocessor} of a {@code fit}-mode contract onto H x W (e.g. the 423x423 SDSS JPEGs of
 * galaxies/gz1 to 75x75), producing one {@code [N,C,H,W]} float32 array.
 * <p>
 * Colour images are SDSS-style gri composites (Lupton et al. 2004: red = i, green = r, blue = g), so
 * {@link Colour#GRI} yields channels g, r, i = blue, green, red, scaled to [0,1] (value/255); {@link Colour#GREY}
 * one channel, the mean of the three. Rows are kept in raster order (row 0 = top of the picture).
 */
public final class ImageFolderReader {

    /** How colour pictures become channels. */
    public enum Colour {
        /** Three channels g, r, i (blue, green, red of an SDSS gri composite). */
        GRI,
        /** One channel "grey", the mean of R, G and B. */
        GREY
    }

    /**
     * @param idColumn    CSV column with the image id (file name stem), e.g. {@code objid}
     * @param labelColumn CSV column with the 0/1 merger label, e.g. {@code merger}
     * @param colour      channel mapping of colour pictures (FITS images keep their own channels)
     * @param height      output H, pixels
     * @param width       output W, pixels
     * @param limit       read at most this many rows (in file order); &lt;= 0 for all
     */
    public record Options(String idColumn, String labelColumn, Colour colour, int height, int width, int limit) {
        /** GZ1 defaults: objid, merger, gri, 75x75, all rows. */
        public static Options defaults() {
            return new Options("objid", "merger", Colour.GRI, 75, 75, 0);
        }
    }

    private static final List<String> EXTENSIONS = List.of("jpeg", "jpg", "png", "fits", "fit", "fits.gz");

    private ImageFolderReader() {
    }

    /**
     * One labelled image of a folder.
     *
     * @param id    the id column's value (file name stem)
     * @param label 0 or 1
     * @param file  the image file
     */
    public record Entry(String id, int label, Path file) {
    }

    /**
     * @param dir     folder holding labels.csv and images/
     * @param options id and label columns, row limit
     * @return the labelled images in file order
     * @throws DeepMergeException IO_ERROR (missing labels.csv, no rows, missing image), INVALID_CONFIG (unknown column),
     *                            WRONG_SHAPE (short row, label not 0/1)
     */
    public static List<Entry> entries(Path dir, Options options) throws DeepMergeException {
        Path csv = dir.resolve("labels.csv");
        Csv.Table t = Csv.read(csv);
        int idCol = t.requireColumn(options.idColumn());
        int labelCol = t.requireColumn(options.labelColumn());
        int n = t.rows().size();
        if (options.limit() > 0) {
            n = Math.min(n, options.limit());
        }
        List<Entry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Csv.Row row = t.rows().get(i);
            if (row.fields().size() <= Math.max(idCol, labelCol)) {
                throw new DeepMergeException(Reason.WRONG_SHAPE, csv + ":" + row.line() + ": only " + row.fields().size()
                        + " columns");
            }
            String id = row.get(idCol);
            out.add(new Entry(id, LabelsCsv.label(row.get(labelCol), csv, row.line()), findImage(dir.resolve("images"), id)));
        }
        if (out.isEmpty()) {
            throw new DeepMergeException(Reason.IO_ERROR, csv + ": no rows");
        }
        return out;
    }

    /**
     * @param dir     folder holding labels.csv and images/
     * @param options columns, colour mode, output size
     * @return the dataset with ids from the id column
     * @throws DeepMergeException IO_ERROR (missing labels.csv or image), INVALID_CONFIG (unknown column),
     *                            WRONG_SHAPE (label not 0/1, wrong channel count), CORRUPT_FITS, NOT_FITS
     */
    public static ImageDataset read(Path dir, Options options) throws DeepMergeException {
        List<Entry> entries = entries(dir, options);
        int n = entries.size();
        int[] labels = new int[n];
        List<String> ids = new ArrayList<>(n);
        Path[] files = new Path[n];
        for (int i = 0; i < n; i++) {
            labels[i] = entries.get(i).label();
            ids.add(entries.get(i).id());
            files[i] = entries.get(i).file();
        }
        List<Stamp> first = load(files[0], options.colour());
        int channels = first.size();
        List<String> channelNames = channelNames(files[0], channels, options.colour());
        int size = channels * options.height() * options.width();
        if ((long) n * size > Integer.MAX_VALUE - 8) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, dir + ": " + (long) n * size + " floats exceed one array; use --limit");
        }
        float[] images = new float[n * size];
        StampPreprocessor pre = StampPreprocessor.forContract(contract(channelNames, options.height(), options.width()));
        pre.toTensor(first, images, 0);
        // decoding dominates (JPEG); images are independent and land in disjoint slices of one array
        java.util.concurrent.atomic.AtomicReference<DeepMergeException> failure = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.stream.IntStream.range(1, n).parallel().forEach(i -> {
            if (failure.get() != null) {
                return;
            }
            try {
                List<Stamp> stamps = load(files[i], options.colour());
                if (stamps.size() != channels) {
                    throw new DeepMergeException(Reason.WRONG_SHAPE, files[i] + ": " + stamps.size() + " channels, "
                            + files[0].getFileName() + " has " + channels);
                }
                pre.toTensor(stamps, images, i * size);
            } catch (DeepMergeException e) {
                failure.compareAndSet(null, e);
            }
        });
        if (failure.get() != null) {
            throw failure.get();
        }
        return new ImageDataset(images, labels, channelNames, options.height(), options.width(), ids, dir.toString());
    }

    /**
     * The contract the training images are preprocessed with: {@code fit} resampling, no normalisation, sigmoid
     * output (non-merger, merger). The pixel scale is nominal (SDSS 0.396 arcsec/px); {@code fit} ignores it.
     *
     * @param channels channel names
     * @param height   H
     * @param width    W
     * @return the contract
     */
    public static ModelContract contract(List<String> channels, int height, int width) {
        return new ModelContract("input", -1, channels, height, width, 0.396, ResampleMode.FIT, Normalisation.none(),
                "output", OutputKind.SIGMOID, List.of("non-merger", "merger"), 1, "training", "0", Map.of());
    }

    private static List<String> channelNames(Path image, int channels, Colour colour) {
        if (!isFits(image)) {
            return colour == Colour.GRI ? List.of("g", "r", "i") : List.of("grey");
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            names.add("ch" + c);
        }
        return names;
    }

    private static boolean isFits(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".fits") || n.endsWith(".fit") || n.endsWith(".fits.gz");
    }

    private static Path findImage(Path imagesDir, String id) throws DeepMergeException {
        for (String ext : EXTENSIONS) {
            Path p = imagesDir.resolve(id + "." + ext);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new DeepMergeException(Reason.IO_ERROR, imagesDir + ": no image for id " + id + " (tried ." + String.join(", .", EXTENSIONS) + ")");
    }

    /**
     * Decodes one image file into one stamp per channel.
     *
     * @param image  JPEG/PNG/FITS file
     * @param colour channel mapping for colour pictures
     * @return the stamps, in channel order
     * @throws DeepMergeException IO_ERROR, CORRUPT_FITS, WRONG_SHAPE
     */
    public static List<Stamp> load(Path image, Colour colour) throws DeepMergeException {
        return isFits(image) ? loadFits(image) : loadPicture(image, colour);
    }

    private static List<Stamp> loadPicture(Path image, Colour colour) throws DeepMergeException {
        BufferedImage img;
        try {
            img = ImageIO.read(image.toFile());
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, image + ": cannot decode picture: " + e.getMessage(), e);
        }
        if (img == null) {
            throw new DeepMergeException(Reason.IO_ERROR, image + ": not a JPEG/PNG picture javax.imageio can read");
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        float[] r = new float[w * h];
        float[] g = new float[w * h];
        float[] b = new float[w * h];
        for (int k = 0; k < argb.length; k++) {
            r[k] = ((argb[k] >> 16) & 0xff) / 255f;
            g[k] = ((argb[k] >> 8) & 0xff) / 255f;
            b[k] = (argb[k] & 0xff) / 255f;
        }
        if (colour == Colour.GREY) {
            float[] grey = new float[w * h];
            for (int k = 0; k < grey.length; k++) {
                grey[k] = (r[k] + g[k] + b[k]) / 3f;
            }
            return List.of(new Stamp(w, h, grey, 0.396, 0));
        }
        return List.of(new Stamp(w, h, b, 0.396, 0), new Stamp(w, h, g, 0.396, 0), new Stamp(w, h, r, 0.396, 0));
    }

    private static List<Stamp> loadFits(Path image) throws DeepMergeException {
        try (Fits fits = new Fits(image.toFile())) {
            BasicHDU<?> hdu = fits.readHDU();
            if (hdu == null || hdu.getKernel() == null) {
                throw new DeepMergeException(Reason.CORRUPT_FITS, image + ": no image data in the primary HDU");
            }
            int[] axes = hdu.getAxes();
            double bscale = hdu.getHeader().getDoubleValue("BSCALE", 1);
            double bzero = hdu.getHeader().getDoubleValue("BZERO", 0);
            Object kernel = hdu.getKernel();
            float[] flat = (float[]) ArrayFuncs.flatten(ArrayFuncs.convertArray(kernel, float.class, true));
            int c;
            int h;
            int w;
            if (axes.length == 2) {
                c = 1;
                h = axes[0];
                w = axes[1];
            } else if (axes.length == 3) {
                c = axes[0];
                h = axes[1];
                w = axes[2];
            } else {
                throw new DeepMergeException(Reason.WRONG_SHAPE, image + ": " + axes.length + "-D image, expected 2-D or 3-D (C,H,W)");
            }
            List<Stamp> stamps = new ArrayList<>();
            for (int ch = 0; ch < c; ch++) {
                float[] plane = new float[h * w];
                for (int k = 0; k < plane.length; k++) {
                    float v = (float) (flat[ch * h * w + k] * bscale + bzero);
                    plane[k] = Float.isFinite(v) ? v : 0f;
                }
                stamps.add(new Stamp(w, h, plane, 0.396, 0));
            }
            return stamps;
        } catch (IOException | RuntimeException e) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, image + ": cannot read FITS image: " + e.getMessage(), e);
        }
    }
}
