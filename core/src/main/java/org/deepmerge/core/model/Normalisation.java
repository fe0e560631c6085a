package org.deepmerge.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * Per-pixel normalisation applied after resampling, before inference.
 *
 * @param kind      NONE (the DeepMerge paper, Ciprijanovic et al. 2020: raw microJansky/arcsec^2),
 *                  STANDARDIZE ({@code (x - mean[c]) / std[c]}), ASINH ({@code asinh(x / softening)},
 *                  Lupton et al. 1999 "asinh magnitudes") or DISPLAY, a per-image colour-preserving display stretch
 *                  like the SDSS gri composites (Lupton et al. 2004, PASP 116, 133): with {@code M} the largest
 *                  pixel of the whole image over all channels and {@code b = softening * M},
 *                  {@code x -> clip(asinh(x / b) / asinh(M / b), 0, 1)}; one scale for all channels keeps colours;
 *                  or SURVEY, the flux-domain normalisation for survey stamps that makes the input independent of the
 *                  survey's units, zero point and sky level: per channel the sky (sigma-clipped median of the stamp's
 *                  border, {@link org.deepmerge.core.preprocess.RobustStats}) is subtracted, then with {@code P} the
 *                  largest over the channels of the {@value #SURVEY_PERCENTILE}th percentile of the image and
 *                  {@code b = softening * P}, {@code x -> asinh(x / b) / asinh(1 / softening)}; so
 *                  {@code x -> a x + c} leaves the input unchanged for any {@code a > 0}, {@code c}
 * @param mean      per-channel means (STANDARDIZE only, else empty), in the stamp's pixel units
 * @param std       per-channel standard deviations, all &gt; 0 (STANDARDIZE only, else empty)
 * @param softening ASINH: softening in the stamp's pixel units, &gt; 0; DISPLAY: softening as a fraction of the
 *                  image maximum, in (0, 1]; SURVEY: softening as a fraction of the image's flux scale, in (0, 1];
 *                  else 1
 */
public record Normalisation(Kind kind, List<Float> mean, List<Float> std, float softening) {

    /** Normalisation kinds. */
    public enum Kind { NONE, STANDARDIZE, ASINH, DISPLAY, SURVEY }

    /** Percentile of the sky-subtracted image that sets the SURVEY flux scale. */
    public static final double SURVEY_PERCENTILE = 99.5;

    /**
     * @throws IllegalArgumentException when mean/std lengths differ, a std is not &gt; 0, or softening is not &gt; 0
     */
    public Normalisation {
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        if (kind == Kind.STANDARDIZE) {
            if (mean.isEmpty() || mean.size() != std.size()) {
                throw new IllegalArgumentException("standardize needs one mean and one std per channel, got "
                        + mean.size() + " means and " + std.size() + " stds");
            }
            for (Float s : std) {
                if (!(s > 0f) || !Float.isFinite(s)) {
                    throw new IllegalArgumentException("standardize std must be finite and > 0, got " + std);
                }
            }
            for (Float m : mean) {
                if (!Float.isFinite(m)) {
                    throw new IllegalArgumentException("standardize mean must be finite, got " + mean);
                }
            }
        }
        if (!(softening > 0f) || !Float.isFinite(softening)) {
            throw new IllegalArgumentException("asinh softening must be finite and > 0, got " + softening);
        }
        if ((kind == Kind.DISPLAY || kind == Kind.SURVEY) && softening > 1f) {
            throw new IllegalArgumentException(kind.name().toLowerCase(Locale.ROOT)
                    + " softening is a fraction of the image's flux scale, in (0, 1], got " + softening);
        }
    }

    /** @return no normalisation, as in Ciprijanovic et al. (2020) */
    public static Normalisation none() {
        return new Normalisation(Kind.NONE, List.of(), List.of(), 1f);
    }

    /**
     * @param mean per-channel means
     * @param std  per-channel standard deviations, &gt; 0
     * @return {@code (x - mean[c]) / std[c]}
     */
    public static Normalisation standardize(List<Float> mean, List<Float> std) {
        return new Normalisation(Kind.STANDARDIZE, mean, std, 1f);
    }

    /**
     * @param softening &gt; 0, pixel units
     * @return {@code asinh(x / softening)}
     */
    public static Normalisation asinh(float softening) {
        return new Normalisation(Kind.ASINH, List.of(), List.of(), softening);
    }

    /**
     * @param fraction softening as a fraction of each image's maximum, in (0, 1] (0.05 for SDSS-like composites)
     * @return the DISPLAY normalisation
     */
    public static Normalisation display(float fraction) {
        return new Normalisation(Kind.DISPLAY, List.of(), List.of(), fraction);
    }

    /**
     * @param fraction softening as a fraction of the image's flux scale (the {@value #SURVEY_PERCENTILE}th percentile
     *                 of the sky-subtracted image), in (0, 1]
     * @return the SURVEY normalisation: sky subtraction, flux scaling, asinh stretch
     */
    public static Normalisation survey(float fraction) {
        return new Normalisation(Kind.SURVEY, List.of(), List.of(), fraction);
    }

    /**
     * Parses the command-line form: {@code none}, {@code asinh:SOFTENING} (e.g. {@code asinh:0.5}),
     * {@code display:FRACTION} (e.g. {@code display:0.05}), {@code survey:FRACTION} (e.g. {@code survey:0.1}) or {@code standardize:M0,M1,...:S0,S1,...} (means, then
     * standard deviations, one per channel).
     *
     * @param spec the text
     * @return the normalisation
     * @throws DeepMergeException INVALID_CONFIG naming the bad spec
     */
    public static Normalisation parse(String spec) throws DeepMergeException {
        String s = spec.trim();
        String[] parts = s.split(":", -1);
        try {
            switch (parts[0].toLowerCase(Locale.ROOT)) {
                case "none":
                    if (parts.length == 1) {
                        return none();
                    }
                    break;
                case "asinh":
                    if (parts.length == 2) {
                        return asinh(Float.parseFloat(parts[1].trim()));
                    }
                    break;
                case "display":
                    if (parts.length == 2) {
                        return display(Float.parseFloat(parts[1].trim()));
                    }
                    break;
                case "survey":
                    if (parts.length == 2) {
                        return survey(Float.parseFloat(parts[1].trim()));
                    }
                    break;
                case "standardize":
                case "standardise":
                    if (parts.length == 3) {
                        return standardize(floats(parts[1]), floats(parts[2]));
                    }
                    break;
                default:
                    break;
            }
        } catch (IllegalArgumentException e) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "normalisation '" + spec + "': " + e.getMessage(), e);
        }
        throw new DeepMergeException(Reason.INVALID_CONFIG, "normalisation '" + spec
                + "' is not one of none | asinh:SOFTENING | display:FRACTION | survey:FRACTION | standardize:M0,M1,..:S0,S1,..");
    }

    /** @return {@link #spec()}: the form users write, e.g. {@code survey:0.1} */
    @Override
    public String toString() {
        return spec();
    }

    /** @return the command-line form accepted by {@link #parse(String)} */
    public String spec() {
        switch (kind) {
            case ASINH:
                return "asinh:" + softening;
            case DISPLAY:
                return "display:" + softening;
            case SURVEY:
                return "survey:" + softening;
            case STANDARDIZE:
                return "standardize:" + join(mean) + ":" + join(std);
            default:
                return "none";
        }
    }

    /**
     * @return the model-contract {@code metadata_props} of this normalisation: {@code deepmerge.input.normalisation}
     *         (the kind) and its parameters ({@code .mean}/{@code .std} or {@code .softening}); see docs/model-contract.md
     */
    public java.util.Map<String, String> metadata() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put(ModelContract.KEY_NORMALISATION, kind.name().toLowerCase(Locale.ROOT));
        if (kind == Kind.STANDARDIZE) {
            m.put(ModelContract.KEY_NORM_MEAN, join(mean));
            m.put(ModelContract.KEY_NORM_STD, join(std));
        } else if (kind == Kind.ASINH || kind == Kind.DISPLAY || kind == Kind.SURVEY) {
            m.put(ModelContract.KEY_NORM_SOFTENING, Float.toString(softening));
        }
        return m;
    }

    static List<Float> floats(String csv) {
        List<Float> out = new ArrayList<>();
        for (String p : csv.split(",")) {
            out.add(Float.parseFloat(p.trim()));
        }
        return out;
    }

    static String join(List<Float> values) {
        StringBuilder sb = new StringBuilder();
        for (Float v : values) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(v);
        }
        return sb.toString();
    }
}
