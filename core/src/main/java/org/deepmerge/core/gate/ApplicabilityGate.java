package org.deepmerge.core.gate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.CatalogueContext;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ResampleMode;
import org.deepmerge.core.preprocess.RobustStats;

/**
 * Decides, before the model runs, whether the merger model applies to an input at all. The DeepMerge model was
 * trained on resolved galaxies filling its field; on a star, an empty sky stamp or a stamp covering a fraction of the
 * field its output says nothing about morphology (stars scored 1.0). Not-applicable inputs are not sent to the
 * model: they become MergerScore records with {@code applicable=false}, {@code pMerger} null and the reason.
 *
 * <p>Checks, in this order (the first that holds is reported; thresholds in {@link GateConfig}):
 * <ol>
 *   <li>{@link NotApplicableReason#POINT_SOURCE_CATALOGUE}: ZTF {@code candidate.sgscore1} &gt;
 *       {@link GateConfig#maxPsStarScore()} and {@code candidate.distpsnr1} &lt;=
 *       {@link GateConfig#maxPsDistanceArcsec()}: the candidate sits on a PS1 source that is probably a star
 *       (Tachibana &amp; Miller 2018). Skipped when the alert does not carry both fields ({@link CatalogueContext}
 *       fields null): Rubin alerts (v7-v11) carry nothing about a host (diaSource {@code extendedness} is about the
 *       transient on the difference image and is deliberately not used), older ZTF schemas, Cutout records.</li>
 *   <li>{@link NotApplicableReason#STAMP_TOO_SMALL} (ANGULAR resampling only; FIT stretches any stamp over the whole
 *       input): a stamp's field {@code width * pixelScale} or {@code height * pixelScale} (arcsec) is below
 *       {@link GateConfig#minFieldFraction()} of the model's field {@code W * contract.pixelScaleArcsec} (resp. H).
 *       Real Rubin stamps (30-71 px at 0.2"/px, 6-14") are all too small for a 48" model.</li>
 *   <li>{@link NotApplicableReason#EMPTY_STAMP}: every stamp is constant, or the sky-subtracted flux summed over a
 *       central square aperture (side {@link GateConfig#centralFraction()} of the model field, in stamp pixels) has a
 *       background-limited S/N {@code sum / (sigma * sqrt(npix))} below {@link GateConfig#minCentralSnr()}; sky level
 *       and sigma from {@link RobustStats#borderSky} (when the border's MAD is 0, e.g. quantised data, its plain
 *       standard deviation). Co-added templates have correlated noise, so the per-pixel sigma underestimates the
 *       aperture noise and the S/N is an upper bound: the check errs towards applicable.</li>
 *   <li>{@link NotApplicableReason#POINT_SOURCE_STAMP}: on the stamp with the highest central S/N, the connected
 *       region (8-neighbours) of pixels above sky + {@link GateConfig#detectSigma()} sigma around the brightest
 *       pixel of the central aperture; its flux-weighted second moments give {@code <r^2> = Mxx + Myy}, minus the
 *       1/6 px^2 of pixelisation, corrected for the truncation at the detection threshold as for a Gaussian
 *       ({@code <r^2>_trunc = 2 s^2 (1 - K e^-K / (1 - e^-K))}, {@code K = ln(peak / threshold)}), and the
 *       FWHM-equivalent size {@code 2.3548 sqrt(<r^2> / 2)} times the stamp's pixel scale. Not applicable when that
 *       is below {@link GateConfig#pointSourceSizeRatio()} times the PSF FWHM ({@link CatalogueContext#seeingFwhmArcsec()},
 *       else the survey's typical seeing). Skipped (applicable) when the seeing is unknown, the region has fewer than
 *       {@value #MIN_REGION_PIXELS} pixels (size not measurable) or touches the stamp edge (larger than the stamp).
 *       ZTF's {@code candidate.fwhm} is measured on the science exposure while the default model reads the
 *       template, a co-add of similar or better seeing: the 1.2 margin keeps compact galaxies.</li>
 *   <li>{@link NotApplicableReason#OUT_OF_RANGE}: more than {@link GateConfig#maxNonFiniteFraction()} of a stamp's
 *       pixels were non-finite ({@link Stamp#nonFiniteReplaced()}), or a channel of the prepared model input is
 *       constant or holds a non-finite value. (A stamp constant at the source is already EMPTY_STAMP.)</li>
 * </ol>
 * Stateless and thread-safe.
 */
public final class ApplicabilityGate {
    /** Fewest pixels in the central source's region for its size to be measured. */
    public static final int MIN_REGION_PIXELS = 5;
    /** Gaussian FWHM / sigma: 2 sqrt(2 ln 2). */
    static final double FWHM_PER_SIGMA = 2.0 * Math.sqrt(2.0 * Math.log(2.0));

    private final GateConfig config;
    private final ModelContract contract;

    /**
     * @param config   thresholds and the on/off switch
     * @param contract the model contract (field size, pixel scale, resample mode)
     */
    public ApplicabilityGate(GateConfig config, ModelContract contract) {
        this.config = Objects.requireNonNull(config, "config");
        this.contract = Objects.requireNonNull(contract, "contract");
    }

    /** @return the thresholds */
    public GateConfig config() {
        return config;
    }

    /**
     * Measurements of one stamp.
     *
     * @param sky     border sky level, stamp units
     * @param sigma   per-pixel noise, stamp units (0 when not measurable)
     * @param x0      central aperture first column
     * @param y0      central aperture first row
     * @param side    central aperture side, pixels
     * @param snr     background-limited S/N of the aperture's summed flux (+Inf when sigma is 0 and the sum &gt; 0)
     * @param constant every pixel has the same value
     */
    record Measure(double sky, double sigma, int x0, int y0, int side, double snr, boolean constant) {
    }

    /**
     * @param alert         the alert (survey, catalogue context)
     * @param channelStamps the decoded stamp of each model channel, in channel order (a replicated stamp appears
     *                      several times and is examined once)
     * @param image         the prepared model input holding {@code [C,H,W]} at {@code offset}, or null to skip the
     *                      input checks of OUT_OF_RANGE
     * @param offset        start of the image in {@code image}
     * @return the verdict; applicable with detail "gate disabled" when {@link GateConfig#enabled()} is false
     */
    public Applicability evaluate(Alert alert, List<Stamp> channelStamps, float[] image, int offset) {
        if (!config.enabled()) {
            return Applicability.applicable("gate disabled");
        }
        List<Stamp> stamps = distinct(channelStamps);
        CatalogueContext cat = alert.catalogue();
        // 1. catalogue star
        if (cat.psStarGalaxyScore() != null && cat.psDistanceArcsec() != null
                && cat.psStarGalaxyScore() > config.maxPsStarScore()
                && cat.psDistanceArcsec() <= config.maxPsDistanceArcsec()) {
            return Applicability.notApplicable(NotApplicableReason.POINT_SOURCE_CATALOGUE, fmt(
                    "nearest PS1 source has sgscore1 %.3f > %.2f at distpsnr1 %.2f arcsec <= %.2f arcsec: a star",
                    cat.psStarGalaxyScore(), config.maxPsStarScore(), cat.psDistanceArcsec(),
                    config.maxPsDistanceArcsec()));
        }
        // 2. field coverage
        if (contract.resample() == ResampleMode.ANGULAR) {
            double fieldX = contract.width() * contract.pixelScaleArcsec();
            double fieldY = contract.height() * contract.pixelScaleArcsec();
            for (Stamp s : stamps) {
                double sx = s.width() * s.pixelScaleArcsec();
                double sy = s.height() * s.pixelScaleArcsec();
                if (!(sx >= config.minFieldFraction() * fieldX) || !(sy >= config.minFieldFraction() * fieldY)) {
                    return Applicability.notApplicable(NotApplicableReason.STAMP_TOO_SMALL, fmt(
                            "stamp %dx%d px at %.3f arcsec/px covers %.1f x %.1f arcsec, less than %.0f%% of the model"
                                    + " field %.1f x %.1f arcsec (%dx%d px at %.3f arcsec/px)",
                            s.width(), s.height(), s.pixelScaleArcsec(), sx, sy, 100 * config.minFieldFraction(),
                            fieldX, fieldY, contract.width(), contract.height(), contract.pixelScaleArcsec()));
                }
            }
        }
        // 3. empty
        List<Measure> measures = new ArrayList<>(stamps.size());
        int best = 0;
        for (int i = 0; i < stamps.size(); i++) {
            measures.add(measure(stamps.get(i)));
            if (measures.get(i).snr() > measures.get(best).snr()) {
                best = i;
            }
        }
        Stamp bestStamp = stamps.get(best);
        Measure m = measures.get(best);
        if (measures.stream().allMatch(Measure::constant)) {
            return Applicability.notApplicable(NotApplicableReason.EMPTY_STAMP, fmt(
                    "stamp %dx%d px is constant (every pixel %s)", bestStamp.width(), bestStamp.height(),
                    bestStamp.pixels()[0]));
        }
        if (!(m.snr() >= config.minCentralSnr())) {
            return Applicability.notApplicable(NotApplicableReason.EMPTY_STAMP, fmt(
                    "central %dx%d px aperture (%.1f arcsec) has summed flux S/N %.2f < %.1f (sky %.4g, sigma %.4g per"
                            + " pixel)", m.side(), m.side(), m.side() * bestStamp.pixelScaleArcsec(), m.snr(),
                    config.minCentralSnr(), m.sky(), m.sigma()));
        }
        String measured = fmt("central S/N %.1f", m.snr());
        // 4. point source on the stamp
        Double seeing = cat.seeingFwhmArcsec() != null ? cat.seeingFwhmArcsec()
                : CatalogueContext.typicalSeeingArcsec(alert.survey());
        if (seeing != null && m.sigma() > 0) {
            Size size = centralSize(bestStamp, m, config.detectSigma());
            if (size != null) {
                double fwhm = size.fwhmPx() * bestStamp.pixelScaleArcsec();
                if (fwhm < config.pointSourceSizeRatio() * seeing) {
                    return Applicability.notApplicable(NotApplicableReason.POINT_SOURCE_STAMP, fmt(
                            "central source (%d px above %.0f sigma, peak S/N %.1f) has FWHM-equivalent size %.2f arcsec"
                                    + " = %.2f x PSF FWHM %.2f arcsec < %.2f", size.pixels(), config.detectSigma(),
                            size.peakSnr(), fwhm, fwhm / seeing, seeing, config.pointSourceSizeRatio()));
                }
                measured += fmt("; central source FWHM-equivalent %.2f arcsec = %.2f x PSF %.2f arcsec", fwhm,
                        fwhm / seeing, seeing);
            }
        }
        // 5. out of range
        for (Stamp s : stamps) {
            int n = s.width() * s.height();
            if (s.nonFiniteReplaced() > config.maxNonFiniteFraction() * n) {
                return Applicability.notApplicable(NotApplicableReason.OUT_OF_RANGE, fmt(
                        "%d of %d stamp pixels (%.0f%%) were non-finite and replaced, more than %.0f%%",
                        s.nonFiniteReplaced(), n, 100.0 * s.nonFiniteReplaced() / n, 100 * config.maxNonFiniteFraction()));
            }
        }
        if (image != null) {
            int plane = contract.height() * contract.width();
            for (int c = 0; c < contract.channelCount(); c++) {
                int at = offset + c * plane;
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = at; i < at + plane; i++) {
                    float v = image[i];
                    if (!Float.isFinite(v)) {
                        return Applicability.notApplicable(NotApplicableReason.OUT_OF_RANGE, fmt(
                                "model input channel %d (%s) holds the non-finite value %s", c,
                                contract.channels().get(c), v));
                    }
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                if (min == max) {
                    return Applicability.notApplicable(NotApplicableReason.OUT_OF_RANGE, fmt(
                            "model input channel %d (%s) is constant (%s) after preprocessing", c,
                            contract.channels().get(c), min));
                }
            }
        }
        return Applicability.applicable(measured);
    }

    /** Sky, noise and central aperture S/N of one stamp. */
    Measure measure(Stamp s) {
        float[] px = s.pixels();
        int w = s.width();
        int h = s.height();
        float lo = px[0];
        float hi = px[0];
        for (float v : px) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        RobustStats.Sky sky = RobustStats.borderSky(px, 0, w, h);
        double sigma = sky.sigma();
        if (!(sigma > 0)) {
            sigma = borderStdDev(px, w, h, sky.level());
        }
        int side = apertureSide(s);
        int x0 = Math.max(0, (int) Math.round(w / 2.0 - side / 2.0));
        int y0 = Math.max(0, (int) Math.round(h / 2.0 - side / 2.0));
        int x1 = Math.min(w, x0 + side);
        int y1 = Math.min(h, y0 + side);
        double sum = 0;
        int n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                sum += px[y * w + x] - sky.level();
                n++;
            }
        }
        double snr;
        if (sigma > 0) {
            snr = sum / (sigma * Math.sqrt(n));
        } else {
            snr = sum > 0 ? Double.POSITIVE_INFINITY : 0;
        }
        return new Measure(sky.level(), sigma, x0, y0, Math.min(x1 - x0, y1 - y0), snr, lo == hi);
    }

    /** Central aperture side in stamp pixels: centralFraction of the model field (FIT: of the stamp), at least 3. */
    private int apertureSide(Stamp s) {
        double side;
        if (contract.resample() == ResampleMode.ANGULAR && s.pixelScaleArcsec() > 0) {
            side = config.centralFraction() * Math.min(contract.width(), contract.height()) * contract.pixelScaleArcsec()
                    / s.pixelScaleArcsec();
        } else {
            side = config.centralFraction() * Math.min(s.width(), s.height());
        }
        return (int) Math.min(Math.min(s.width(), s.height()), Math.max(3, Math.round(side)));
    }

    private static double borderStdDev(float[] px, int w, int h, double level) {
        int b = RobustStats.borderWidth(w, h);
        double ss = 0;
        int n = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (y < b || y >= h - b || x < b || x >= w - b) {
                    double d = px[y * w + x] - level;
                    ss += d * d;
                    n++;
                }
            }
        }
        return n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
    }

    /**
     * Size of the central source.
     *
     * @param fwhmPx  FWHM-equivalent size, stamp pixels
     * @param pixels  pixels in its connected region
     * @param peakSnr brightest pixel over sigma
     */
    record Size(double fwhmPx, int pixels, double peakSnr) {
    }

    /** @return the central source's size, or null when it cannot be measured (see class doc) */
    static Size centralSize(Stamp s, Measure m, double detectSigma) {
        float[] px = s.pixels();
        int w = s.width();
        int h = s.height();
        double threshold = detectSigma * m.sigma();
        int peak = -1;
        double peakValue = threshold;
        for (int y = m.y0(); y < Math.min(h, m.y0() + m.side()); y++) {
            for (int x = m.x0(); x < Math.min(w, m.x0() + m.side()); x++) {
                double v = px[y * w + x] - m.sky();
                if (v > peakValue) {
                    peakValue = v;
                    peak = y * w + x;
                }
            }
        }
        if (peak < 0) {
            return null;
        }
        boolean[] seen = new boolean[w * h];
        int[] queue = new int[w * h];
        int head = 0;
        int tail = 0;
        queue[tail++] = peak;
        seen[peak] = true;
        double sw = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double syy = 0;
        while (head < tail) {
            int i = queue[head++];
            int x = i % w;
            int y = i / w;
            if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
                return null; // extends to the edge: larger than the stamp
            }
            double v = px[i] - m.sky();
            sw += v;
            sx += v * x;
            sy += v * y;
            sxx += v * x * (double) x;
            syy += v * y * (double) y;
            for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                    int j = (y + dy) * w + (x + dx);
                    if (!seen[j] && px[j] - m.sky() > threshold) {
                        seen[j] = true;
                        queue[tail++] = j;
                    }
                }
            }
        }
        if (tail < MIN_REGION_PIXELS || !(sw > 0)) {
            return null;
        }
        double cx = sx / sw;
        double cy = sy / sw;
        double r2 = (sxx / sw - cx * cx) + (syy / sw - cy * cy) - 1.0 / 6.0;
        double k = Math.log(peakValue / threshold);
        if (k > 0) {
            double f = 1 - k * Math.exp(-k) / (1 - Math.exp(-k));
            r2 /= f;
        }
        double fwhm = FWHM_PER_SIGMA * Math.sqrt(Math.max(0, r2) / 2.0);
        return new Size(fwhm, tail, peakValue / m.sigma());
    }

    private static List<Stamp> distinct(List<Stamp> stamps) {
        if (stamps.isEmpty()) {
            throw new IllegalArgumentException("no stamps to examine");
        }
        List<Stamp> out = new ArrayList<>(stamps.size());
        for (Stamp s : stamps) {
            boolean seen = false;
            for (Stamp o : out) {
                seen |= o == s;
            }
            if (!seen) {
                out.add(s);
            }
        }
        return out;
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
