package org.deepmerge.training.eval;

import org.deepmerge.core.io.Csv;
import org.deepmerge.training.data.LabelsCsv;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.preprocess.Preprocessor;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.ImageFolderReader;

/**
 * Reads a labelled image folder ({@code labels.csv} + {@code images/<id>.<ext>}) as the model of an ONNX contract
 * sees it in serving: each picture is presented as a survey stamp of an assumed pixel scale (SDSS 0.396 arcsec/px
 * by default) and run through the core {@link Preprocessor#toTensor} with the model's contract: its channels,
 * H x W, pixel scale, resampling (ANGULAR or FIT) and normalisation (e.g. SURVEY sky subtraction, flux scale and
 * asinh), exactly the code the scorer runs on alert stamps. The result is the model's input {@code [N,C,H,W]}
 * float32 (feed it to an {@code OnnxPredictor.prepared} predictor, which does not normalise again).
 *
 * <p>Channels of a JPEG/PNG (an SDSS gri composite: red = i, green = r, blue = g; values /255): {@code g} = blue,
 * {@code r} = green, {@code i} = red, {@code any} = green (the SDSS r band), {@code grey}/{@code gray} = mean of
 * the three. A FITS image supplies its own planes in order and must have C of them.
 */
public final class ContractImageFolder {
    /** SDSS pixel scale, arcsec/px: the default assumed for the pictures of an image folder. */
    public static final double SDSS_PIXEL_SCALE = 0.396;

    private ContractImageFolder() {
    }

    /**
     * @param dir             folder with labels.csv and images/
     * @param contract        the model contract
     * @param idColumn        id column (file name stem)
     * @param labelColumn     0/1 label column
     * @param imagePixelScale assumed pixel scale of the pictures, arcsec/px (&gt; 0; used by ANGULAR resampling)
     * @param limit           read at most this many rows, &lt;= 0 for all
     * @return the model inputs with labels and ids, in file order, all rows
     * @throws DeepMergeException IO_ERROR (missing labels.csv or image), INVALID_CONFIG (unknown column, a channel
     *                            name a picture cannot supply, non-positive pixel scale), WRONG_SHAPE (label not
     *                            0/1, FITS plane count), CORRUPT_FITS
     */
    public static ImageDataset read(Path dir, ModelContract contract, String idColumn, String labelColumn,
                                    double imagePixelScale, int limit) throws DeepMergeException {
        if (!(imagePixelScale > 0 && Double.isFinite(imagePixelScale))) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "image pixel scale " + imagePixelScale
                    + " arcsec/px: expected a positive number");
        }
        Path csv = dir.resolve("labels.csv");
        Csv.Table t = Csv.read(csv);
        int idCol = t.requireColumn(idColumn);
        int labelCol = t.requireColumn(labelColumn);
        int n = limit > 0 ? Math.min(limit, t.rows().size()) : t.rows().size();
        if (n == 0) {
            throw new DeepMergeException(Reason.IO_ERROR, csv + ": no rows");
        }
        int[] labels = new int[n];
        List<String> ids = new ArrayList<>(n);
        Path[] files = new Path[n];
        for (int i = 0; i < n; i++) {
            Csv.Row row = t.rows().get(i);
            ids.add(row.get(idCol));
            labels[i] = LabelsCsv.label(row.get(labelCol), csv, row.line());
            files[i] = findImage(dir.resolve("images"), row.get(idCol));
        }
        Preprocessor pre = new Preprocessor(contract);
        int size = contract.imageSize();
        if ((long) n * size > Integer.MAX_VALUE - 8) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, dir + ": " + (long) n * size + " floats exceed one array");
        }
        float[] images = new float[n * size];
        AtomicReference<DeepMergeException> failure = new AtomicReference<>();
        IntStream.range(0, n).parallel().forEach(i -> {
            if (failure.get() != null) {
                return;
            }
            try {
                pre.toTensor(stamps(files[i], contract.channels(), imagePixelScale), images, i * size);
            } catch (DeepMergeException e) {
                failure.compareAndSet(null, e);
            }
        });
        if (failure.get() != null) {
            throw failure.get();
        }
        return new ImageDataset(images, labels, contract.channels(), contract.height(), contract.width(), ids,
                dir.toString());
    }

    /**
     * One stamp per model channel from a picture or FITS file.
     *
     * @param image           JPEG/PNG/FITS file
     * @param channels        model channel names
     * @param imagePixelScale pixel scale given to the stamps, arcsec/px
     * @return the stamps, in channel order
     * @throws DeepMergeException IO_ERROR, CORRUPT_FITS, WRONG_SHAPE, INVALID_CONFIG
     */
    public static List<Stamp> stamps(Path image, List<String> channels, double imagePixelScale) throws DeepMergeException {
        String name = image.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean fits = name.endsWith(".fits") || name.endsWith(".fit") || name.endsWith(".fits.gz");
        List<Stamp> out = new ArrayList<>(channels.size());
        if (fits) {
            List<Stamp> planes = ImageFolderReader.load(image, ImageFolderReader.Colour.GRI);
            if (planes.size() != channels.size()) {
                throw new DeepMergeException(Reason.WRONG_SHAPE, image + ": " + planes.size() + " planes, the model takes "
                        + channels.size() + " channels " + channels);
            }
            for (Stamp s : planes) {
                out.add(withScale(s, imagePixelScale));
            }
            return out;
        }
        List<Stamp> gri = null;
        Stamp grey = null;
        for (String ch : channels) {
            int p = plane(ch);
            if (p == 3) {
                if (grey == null) {
                    grey = withScale(ImageFolderReader.load(image, ImageFolderReader.Colour.GREY).get(0), imagePixelScale);
                }
                out.add(grey);
            } else {
                if (gri == null) {
                    gri = ImageFolderReader.load(image, ImageFolderReader.Colour.GRI);
                }
                out.add(withScale(gri.get(p), imagePixelScale));
            }
        }
        return out;
    }

    /** @return 0 g (blue), 1 r (green), 2 i (red), 3 grey; the channel {@code any} is r */
    private static int plane(String channel) throws DeepMergeException {
        return switch (channel.toLowerCase(Locale.ROOT)) {
            case "g" -> 0;
            case "r", "any" -> 1;
            case "i" -> 2;
            case "grey", "gray" -> 3;
            default -> throw new DeepMergeException(Reason.INVALID_CONFIG, "model channel '" + channel
                    + "' cannot be read from a colour picture (known: g, r, i, any = r, grey)");
        };
    }

    private static Stamp withScale(Stamp s, double scale) {
        return new Stamp(s.width(), s.height(), s.pixels(), scale, s.nonFiniteReplaced());
    }

    private static Path findImage(Path imagesDir, String id) throws DeepMergeException {
        for (String ext : List.of("jpeg", "jpg", "png", "fits", "fit", "fits.gz")) {
            Path p = imagesDir.resolve(id + "." + ext);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new DeepMergeException(Reason.IO_ERROR, imagesDir + ": no image for id " + id);
    }
}
