package org.deepmerge.training.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.io.NpyFile;
import org.deepmerge.core.synthetic.GalaxySpec;
import org.deepmerge.core.synthetic.HlspFitsWriter;
import org.deepmerge.core.synthetic.NoiseModel;
import org.deepmerge.core.synthetic.Observation;
import org.deepmerge.core.synthetic.SurveyPreset;
import org.deepmerge.core.synthetic.SyntheticGalaxyGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code simulate}: a labelled synthetic training set in the DeepMerge HLSP layout (core
 * {@code org.deepmerge.core.synthetic}), for sim-to-real pre-training. Writes
 * {@code <name>-x.npy} (float32 {@code [N,C,H,W]}, C order, mergers first) + {@code <name>-y.npy} (int64 labels) and,
 * with {@code --fits}, {@code <name>.fits} (cube + {@code MergerLabels} table). The band list goes into the file name
 * ({@code _g-r-i_}) so the HLSP reader names the channels.
 *
 * <p>Pixels are microJansky/arcsec^2 ({@code --stretch none}) or, with {@code --stretch asinh}, each image is mapped to
 * [0,1] by {@code asinh(x/b)/asinh(M/b)}, clipped, with {@code M} the image's maximum over all bands and
 * {@code b = softening * M}: one scale for all bands keeps the colours, as in the SDSS gri composites (Lupton et al.
 * 2004, PASP 116, 133) that the Galaxy Zoo JPEGs are, which the image-folder reader scales to [0,1].
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Write a synthetic merger / non-merger set in the HLSP .npy (and FITS) layout for pre-training.")
public final class SimulateCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "Output directory (created).")
    Path out;

    @Option(names = "--name", defaultValue = "hlsp_deepmerge_synthetic_sdss-like_{bands}_v1_sim-{type}",
            description = "File-name stem; {bands} and {type} (pristine|noisy) are replaced (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--mergers", defaultValue = "1000", description = "Number of mergers (default: ${DEFAULT-VALUE}).")
    int mergers;

    @Option(names = "--non-mergers", defaultValue = "1000", description = "Number of non-mergers (default: ${DEFAULT-VALUE}).")
    int nonMergers;

    @Option(names = "--bands", split = ",", defaultValue = "g,r,i", description = "Bands in channel order (default: ${DEFAULT-VALUE}).")
    List<String> bands;

    @Option(names = "--size", defaultValue = "75", description = "Stamp side, pixels (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--pixel-scale", defaultValue = "0.8", description = "Pixel scale, arcsec/px (default: ${DEFAULT-VALUE}).")
    double pixelScale;

    @Option(names = "--psf-fwhm", split = ",", defaultValue = "1.4", description = "Gaussian PSF FWHM per band, arcsec; one value = all bands (default: ${DEFAULT-VALUE}).")
    double[] psfFwhm;

    @Option(names = "--limiting-mag", description = "1-sigma limiting surface brightness over 1 arcsec^2, AB mag/arcsec^2 (default: pristine, no noise).")
    Double limitingMag;

    @Option(names = "--population", defaultValue = "ZTF", description = "Generator population preset (distance, fluxes): HLSP_HST | ZTF | LSST (default: ${DEFAULT-VALUE}: z~0.05, r 300-3000 uJy).")
    SurveyPreset population;

    @Option(names = "--stretch", defaultValue = "asinh", paramLabel = "none|asinh",
            description = "Pixel values: none (microJansky/arcsec^2) or asinh (per image to [0,1]) (default: ${DEFAULT-VALUE}).")
    Stretch stretch;

    /** Values of {@code --stretch}. */
    enum Stretch {
        NONE,
        ASINH
    }

    @Option(names = "--softening", defaultValue = "0.05", description = "asinh softening b as a fraction of the image maximum (default: ${DEFAULT-VALUE}).")
    double softening;

    @Option(names = "--fits", description = "Also write the HLSP FITS cube.")
    boolean fits;

    @Option(names = "--seed", defaultValue = "42", description = "Generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        boolean asinh = stretch == Stretch.ASINH;
        if (mergers < 0 || nonMergers < 0 || mergers + nonMergers < 1 || !(softening > 0)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "need --mergers, --non-mergers >= 0 with a positive total and"
                    + " --softening > 0 (got " + mergers + ", " + nonMergers + ", " + softening + ")");
        }
        double[] fwhm = psfFwhm.length == 1 && bands.size() > 1 ? filled(bands.size(), psfFwhm[0]) : psfFwhm;
        if (fwhm.length != bands.size()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--psf-fwhm needs one value or one per band (" + bands + "): "
                    + fwhm.length + " given");
        }
        NoiseModel noise = limitingMag == null ? NoiseModel.PRISTINE : NoiseModel.limiting(limitingMag);
        Observation obs = Observation.gaussian(bands, size, pixelScale, fwhm, noise);
        SyntheticGalaxyGenerator gen = new SyntheticGalaxyGenerator(seed, population.generatorConfig());
        String stem = name.replace("{bands}", String.join("-", bands).toLowerCase(Locale.ROOT))
                .replace("{type}", noise.isPristine() ? "pristine" : "noisy");
        Files.createDirectories(out);
        int total = mergers + nonMergers;
        long t0 = System.nanoTime();
        try (NpyFile.Writer x = NpyFile.create(out.resolve(stem + "-x.npy"), NpyFile.FLOAT32, total, bands.size(), size, size);
                NpyFile.Writer y = NpyFile.create(out.resolve(stem + "-y.npy"), NpyFile.INT64, total);
                HlspFitsWriter f = fits ? HlspFitsWriter.open(out.resolve(stem + ".fits"), total, bands, size, pixelScale) : null) {
            for (int i = 0; i < total; i++) {
                boolean merger = i < mergers;
                GalaxySpec spec = gen.sample(merger, merger ? i : i - mergers);
                float[] image = gen.render(spec, obs);
                if (asinh) {
                    asinhStretch(image, softening);
                }
                x.writeFloats(image);
                y.writeLongs(new long[] {merger ? 1 : 0});
                if (f != null) {
                    f.append(image, merger);
                }
                if ((i + 1) % 500 == 0) {
                    System.err.printf(Locale.ROOT, "%d/%d images, %.1f s%n", i + 1, total, (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        System.out.println(out.resolve(stem + "-x.npy") + ": " + total + " x " + bands.size() + " x " + size + " x " + size
                + " (" + mergers + " mergers first), " + obs + ", stretch " + stretch.name().toLowerCase(Locale.ROOT));
        return 0;
    }

    /**
     * Maps one image in place to [0,1]: {@code asinh(x/b)/asinh(M/b)} clipped, {@code M} the maximum over all bands,
     * {@code b = softening * M}. An image with {@code M <= 0} becomes all zeros.
     *
     * @param chw       {@code [C,H,W]} image
     * @param softening b / M, &gt; 0
     */
    static void asinhStretch(float[] chw, double softening) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : chw) {
            max = Math.max(max, v);
        }
        if (!(max > 0)) {
            java.util.Arrays.fill(chw, 0f);
            return;
        }
        double b = softening * max;
        double norm = asinh(max / b);
        for (int k = 0; k < chw.length; k++) {
            double s = asinh(chw[k] / b) / norm;
            chw[k] = (float) Math.min(1.0, Math.max(0.0, s));
        }
    }

    private static double asinh(double x) {
        return Math.log(x + Math.sqrt(x * x + 1.0));
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
