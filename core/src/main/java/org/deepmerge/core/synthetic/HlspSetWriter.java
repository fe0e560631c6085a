package org.deepmerge.core.synthetic;

import java.nio.file.Path;
import java.util.Set;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.io.NpyFile;

/**
 * Writes a simulated training set in the DeepMerge HLSP formats: {@code <name>.fits} ({@link HlspFitsWriter})
 * and/or the {@code .npy} pair {@code <name>-x.npy} (float32, shape (N, F, H, W), C order) and
 * {@code <name>-y.npy} (int64 labels, shape (N,)). Mergers come first, as in the HLSP: image i &lt; nMergers is
 * {@code generator.sample(true, i)}, the rest {@code generator.sample(false, i - nMergers)}. Images are generated
 * and streamed one at a time (memory independent of N); both formats get identical pixels.
 */
public final class HlspSetWriter {

    /** Output formats. */
    public enum Format {
        /** {@code <name>.fits}: Images cube + MergerLabels table. */
        FITS,
        /** {@code <name>-x.npy} + {@code <name>-y.npy}. */
        NPY
    }

    /**
     * What was written.
     *
     * @param fits      the FITS file, or null
     * @param npyImages the {@code -x.npy} file, or null
     * @param npyLabels the {@code -y.npy} file, or null
     * @param nMergers  label-1 images (first)
     * @param nTotal    all images
     */
    public record Written(Path fits, Path npyImages, Path npyLabels, int nMergers, int nTotal) {
    }

    private HlspSetWriter() {
    }

    /**
     * The MAST file-name stem (without {@code .fits} / {@code -x.npy}) for a preset, e.g.
     * {@code hlsp_deepmerge_hst_acs-wfc3_illustris-z2_f814w-f160w_v1_sim-noisy}.
     *
     * @param preset {@link SurveyPreset#HLSP_HST} or {@link SurveyPreset#HLSP_HST_JWST}
     * @param noisy  noisy or pristine
     * @return the stem
     * @throws DeepMergeException INVALID_CONFIG for a non-HLSP preset
     */
    public static String mastName(SurveyPreset preset, boolean noisy) throws DeepMergeException {
        String type = noisy ? "noisy" : "pristine";
        return switch (preset) {
            case HLSP_HST -> "hlsp_deepmerge_hst_acs-wfc3_illustris-z2_f814w-f160w_v1_sim-" + type;
            case HLSP_HST_JWST -> "hlsp_deepmerge_hst-jwst_acs-wfc3-nircam_illustris-z2_f814w-f160w-f356w_v1_sim-" + type;
            default -> throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG,
                    "no HLSP file name for preset " + preset);
        };
    }

    /**
     * Generates and writes a labelled set.
     *
     * @param dir         existing output directory
     * @param name        file-name stem
     * @param generator   the galaxy generator
     * @param observation bands, size, pixel scale, PSFs, noise
     * @param nMergers    number of mergers (written first), &gt;= 0
     * @param nIsolated   number of non-mergers, &gt;= 0; nMergers + nIsolated &gt;= 1
     * @param formats     which files to write, non-empty
     * @return the files written
     * @throws DeepMergeException INVALID_CONFIG for bad counts/formats or an unknown band; IO_ERROR on write failure
     */
    public static Written write(Path dir, String name, SyntheticGalaxyGenerator generator, Observation observation,
            int nMergers, int nIsolated, Set<Format> formats) throws DeepMergeException {
        if (nMergers < 0 || nIsolated < 0 || (long) nMergers + nIsolated < 1 || (long) nMergers + nIsolated
                > Integer.MAX_VALUE || formats == null || formats.isEmpty() || name == null || name.isBlank()) {
            throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG, "HLSP set '" + name + "': need a name,"
                    + " counts >= 0 with a positive total and at least one format (mergers=" + nMergers
                    + ", isolated=" + nIsolated + ", formats=" + formats + ")");
        }
        int total = nMergers + nIsolated;
        int size = observation.size();
        int f = observation.channels();
        Path fitsPath = formats.contains(Format.FITS) ? dir.resolve(name + ".fits") : null;
        Path xPath = formats.contains(Format.NPY) ? dir.resolve(name + "-x.npy") : null;
        Path yPath = formats.contains(Format.NPY) ? dir.resolve(name + "-y.npy") : null;
        HlspFitsWriter fits = null;
        NpyFile.Writer x = null;
        NpyFile.Writer y = null;
        DeepMergeException failure = null;
        try {
            if (fitsPath != null) {
                fits = HlspFitsWriter.open(fitsPath, total, observation.bands(), size, observation.pixelScaleArcsec());
            }
            if (xPath != null) {
                x = NpyFile.create(xPath, NpyFile.FLOAT32, total, f, size, size);
                y = NpyFile.create(yPath, NpyFile.INT64, total);
            }
            for (int i = 0; i < total; i++) {
                boolean merger = i < nMergers;
                GalaxySpec spec = generator.sample(merger, merger ? i : i - nMergers);
                float[] image = generator.render(spec, observation);
                if (fits != null) {
                    fits.append(image, merger);
                }
                if (x != null) {
                    x.writeFloats(image);
                    y.writeLongs(new long[] {merger ? 1 : 0});
                }
            }
        } catch (DeepMergeException e) {
            failure = e;
        } finally {
            failure = closeAll(failure, fits, x, y);
        }
        if (failure != null) {
            throw failure;
        }
        return new Written(fitsPath, xPath, yPath, nMergers, total);
    }

    private static DeepMergeException closeAll(DeepMergeException failure, AutoCloseable... writers) {
        DeepMergeException first = failure;
        for (AutoCloseable w : writers) {
            if (w == null) {
                continue;
            }
            try {
                w.close();
            } catch (DeepMergeException e) {
                if (first == null) {
                    first = e;
                }
            } catch (Exception e) {
                if (first == null) {
                    first = new DeepMergeException(DeepMergeException.Reason.IO_ERROR, "HLSP set: close failed", e);
                }
            }
        }
        return first;
    }
}
