package org.deepmerge.core.synthetic;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.deepmerge.core.DeepMergeException;

/**
 * Seeded, deterministic generator of synthetic galaxies in two populations: isolated galaxies (label 0) and
 * mergers (label 1), in the spirit of the DeepMerge HLSP mock images (Ćiprijanović et al. 2020), meant for
 * demos, tests and sim-to-real pre-training, not as a substitute for Illustris. Documented in
 * {@code docs/synthetic-galaxies.md}, where the parameter ranges below are tabulated.
 *
 * <p><b>Isolated</b> ({@link GalaxyKind#SERSIC} 55%, {@link GalaxyKind#BULGE_DISK} 45%): one Sersic profile
 * (n 0.6-4.5, R_e 1-5 kpc) or an exponential disk (R_e 1.5-6 kpc) plus a bulge (n 2.5-5, R_e 0.15-0.4 of the
 * disk, B/T 0.1-0.6); axis ratio 0.25-1; m=1 lopsidedness |N(0, 0.1)| (at most 0.3); 0-3 star-forming clumps
 * (1-6% of the flux each); 30% have a projected neighbour (8-40 kpc, 1:12-1:2, no tidal features).
 * <b>Mergers</b>: a primary and a companion each drawn like the above (lopsidedness 0-0.3), flux ratio 1:4-1:1,
 * projected separation 3-20 kpc ({@link GalaxyKind#PAIR}, 60%) or 0.3-3 kpc ({@link GalaxyKind#LATE_STAGE},
 * 40%); tidal features carry 1-8% (pairs) or 0.5-5% (late stage) of the flux: one or two tails (arcs of 14-24
 * Gaussian blobs widening and fading along a sweep of 60-150 degrees whose radius grows by 6-25 kpc, pointing
 * away from the companion) or, for half the late-stage systems, one or two asymmetric shells. The ranges overlap
 * on purpose (faint features, blended nuclei, lopsided clumpy disks, projected neighbours): rotational asymmetry
 * alone separates pristine HLSP-like stamps with ROC AUC ~0.88-0.90, not 1.
 *
 * <p>Colours ({@link Sed}, F_nu slopes blue/red of the reference wavelength): disks 0.3-1.0 / 0.0-0.5, bulges
 * 1.5-2.5 / 0.5-1.0, clumps and tidal debris -0.3-0.4 / -0.3-0.2; single-Sersic galaxies interpolate between
 * disk and bulge colours with n. At z=2 (reference F160W) this gives F814W/F160W ~0.2-0.35 for bulges and
 * ~0.5-0.8 for disks.
 *
 * <p>Determinism: spec number i is drawn from {@code new Random(mix(seed, i))} (mix = SplitMix64 finaliser,
 * Steele et al. 2014), so {@link #sample(boolean, long)} is reproducible and order-independent, and
 * {@link #sample(boolean)} draws the next index from an atomic counter. {@code java.util.Random}'s algorithm is
 * fixed by its specification, so pixels are identical across JVMs. Thread-safe.
 */
public final class SyntheticGalaxyGenerator {

    /**
     * Population set-up: the angular scale (distance) and brightness of the galaxies.
     *
     * @param kpcPerArcsec          kpc per arcsec at the galaxies' distance (8.533 at z=2 for the HLSP geometry:
     *                              120 kpc over 75 px of 0.1875")
     * @param referenceWavelengthUm wavelength at which fluxes are drawn, micrometres (1.54 = F160W)
     * @param minFluxMicroJy        smallest total flux at the reference wavelength, microJansky
     * @param maxFluxMicroJy        largest total flux (log-uniform in between), microJansky
     */
    public record Config(double kpcPerArcsec, double referenceWavelengthUm, double minFluxMicroJy,
            double maxFluxMicroJy) {

        /** @return the z=2 HLSP population ({@link SurveyPreset#HLSP_HST}): 8.533 kpc/", F160W, 1-15 uJy */
        public static Config hlsp() {
            return SurveyPreset.HLSP_HST.generatorConfig();
        }
    }

    private static final double FULL_TURN = 360;

    private final long seed;
    private final Config config;
    private final AtomicLong counter = new AtomicLong();

    /**
     * @param seed   master seed
     * @param config population set-up
     * @throws DeepMergeException INVALID_CONFIG if a config value is not positive/finite or min &gt; max flux
     */
    public SyntheticGalaxyGenerator(long seed, Config config) throws DeepMergeException {
        if (config == null) {
            throw invalid("config is null");
        }
        if (!(config.kpcPerArcsec() > 0) || Double.isInfinite(config.kpcPerArcsec())) {
            throw invalid("kpcPerArcsec must be positive and finite: " + config.kpcPerArcsec());
        }
        if (!(config.referenceWavelengthUm() > 0) || Double.isInfinite(config.referenceWavelengthUm())) {
            throw invalid("referenceWavelengthUm must be positive and finite: " + config.referenceWavelengthUm());
        }
        if (!(config.minFluxMicroJy() > 0) || !(config.maxFluxMicroJy() >= config.minFluxMicroJy())
                || Double.isInfinite(config.maxFluxMicroJy())) {
            throw invalid("flux range must satisfy 0 < min <= max < inf uJy: " + config.minFluxMicroJy() + ".."
                    + config.maxFluxMicroJy());
        }
        this.seed = seed;
        this.config = config;
    }

    /** @return the population set-up */
    public Config config() {
        return config;
    }

    /**
     * Draws the next galaxy (index taken from an internal counter, starting at 0).
     *
     * @param merger true for a merger, false for an isolated galaxy
     * @return the sampled spec
     */
    public GalaxySpec sample(boolean merger) {
        return sample(merger, counter.getAndIncrement());
    }

    /**
     * Draws galaxy number {@code index}; the same (seed, merger, index) always gives the same spec.
     *
     * @param merger true for a merger
     * @param index  any long
     * @return the sampled spec
     */
    public GalaxySpec sample(boolean merger, long index) {
        Random rng = new Random(mix(seed ^ mix(index * 2 + (merger ? 1 : 0))));
        return merger ? sampleMerger(rng) : sampleIsolated(rng);
    }

    /**
     * Renders a spec (pure: same spec, same pixels).
     *
     * @param spec        the galaxy
     * @param observation bands, size, pixel scale, PSFs, noise
     * @return {@code [C,H,W]} float32, microJansky/arcsec^2
     * @throws DeepMergeException INVALID_CONFIG for an unknown band
     */
    public float[] render(GalaxySpec spec, Observation observation) throws DeepMergeException {
        return GalaxyRenderer.render(spec, observation);
    }

    /**
     * Renders a spec with Gaussian PSFs.
     *
     * @param spec             the galaxy
     * @param bands            band names in channel order (see {@link Bands})
     * @param size             stamp side H = W, pixels
     * @param pixelScaleArcsec arcsec/px
     * @param psfFwhmArcsec    Gaussian PSF FWHM per band, arcsec (0 = none)
     * @param noise            noise model ({@link NoiseModel#PRISTINE} for none)
     * @return {@code [C,H,W]} float32, C = bands.size(), microJansky/arcsec^2
     * @throws DeepMergeException INVALID_CONFIG for an unknown band, bad size/scale or a PSF count mismatch
     */
    public float[] render(GalaxySpec spec, List<String> bands, int size, double pixelScaleArcsec,
            double[] psfFwhmArcsec, NoiseModel noise) throws DeepMergeException {
        return GalaxyRenderer.render(spec, Observation.gaussian(bands, size, pixelScaleArcsec, psfFwhmArcsec, noise));
    }

    // ---- populations ----------------------------------------------------------------------------------------

    private GalaxySpec sampleIsolated(Random rng) {
        double flux = logUniform(rng, config.minFluxMicroJy(), config.maxFluxMicroJy());
        double jx = uniform(rng, -0.3, 0.3);
        double jy = uniform(rng, -0.3, 0.3);
        List<SersicComponent> comps = new ArrayList<>();
        List<GaussianBlob> blobs = new ArrayList<>();
        double lop = Math.min(0.3, Math.abs(rng.nextGaussian() * 0.1));
        GalaxyKind kind = addGalaxy(rng, flux, jx, jy, 1.0, lop, "primary", comps, blobs);
        double sep = Double.NaN;
        double ratio = 0;
        if (rng.nextDouble() < 0.3) {
            sep = uniform(rng, 8, 40);
            ratio = logUniform(rng, 1 / 12.0, 1 / 2.0);
            double ang = uniform(rng, 0, 2 * Math.PI);
            comps.add(sersic(rng, flux * ratio, jx + sep * Math.cos(ang), jy + sep * Math.sin(ang),
                    logUniform(rng, 0.8, 3.0), Math.pow(ratio, 0.3), Math.abs(rng.nextGaussian() * 0.05), "neighbour"));
        }
        return new GalaxySpec(false, kind, comps, blobs, config.kpcPerArcsec(), sep, ratio, 0, rng.nextLong());
    }

    private GalaxySpec sampleMerger(Random rng) {
        double flux = logUniform(rng, config.minFluxMicroJy(), config.maxFluxMicroJy());
        boolean late = rng.nextDouble() < 0.4;
        double ratio = logUniform(rng, 0.25, 1.0);
        double sep = late ? uniform(rng, 0.3, 3.0) : uniform(rng, 3.0, 20.0);
        double tidal = late ? uniform(rng, 0.005, 0.05) : uniform(rng, 0.01, 0.08);
        double f1 = flux * (1 - tidal) / (1 + ratio);
        double f2 = flux * (1 - tidal) * ratio / (1 + ratio);
        double jx = uniform(rng, -0.3, 0.3);
        double jy = uniform(rng, -0.3, 0.3);
        double ang = uniform(rng, 0, 2 * Math.PI);
        double x2 = jx + sep * Math.cos(ang);
        double y2 = jy + sep * Math.sin(ang);

        List<SersicComponent> comps = new ArrayList<>();
        List<GaussianBlob> blobs = new ArrayList<>();
        addGalaxy(rng, f1, jx, jy, 1.0, uniform(rng, 0.0, 0.3), "primary", comps, blobs);
        int primaryCount = comps.size();
        double rePrimary = comps.get(0).effectiveRadiusArcsec() * config.kpcPerArcsec();
        addGalaxy(rng, f2, x2, y2, Math.pow(ratio, 0.3), uniform(rng, 0.0, 0.3), "secondary", comps, blobs);
        double reSecondary = comps.get(primaryCount).effectiveRadiusArcsec() * config.kpcPerArcsec();

        double tidalFlux = flux * tidal;
        boolean shells = late && rng.nextBoolean();
        boolean two = rng.nextBoolean();
        double spin = rng.nextBoolean() ? 1 : -1;
        if (shells) {
            double dir = uniform(rng, 0, 2 * Math.PI);
            double share = two ? uniform(rng, 0.55, 0.75) : 1.0;
            addShell(rng, jx, jy, rePrimary, dir, tidalFlux * share, blobs);
            if (two) {
                addShell(rng, jx, jy, rePrimary * 1.6, dir + Math.PI, tidalFlux * (1 - share), blobs);
            }
        } else {
            double away = Math.atan2(jy - y2, jx - x2);
            double share = two ? uniform(rng, 0.5, 0.8) : 1.0;
            addTail(rng, jx, jy, rePrimary, away + uniform(rng, -1.0, 1.0), spin, tidalFlux * share, blobs);
            if (two) {
                addTail(rng, x2, y2, reSecondary, away + Math.PI + uniform(rng, -1.0, 1.0), spin,
                        tidalFlux * (1 - share), blobs);
            }
        }
        return new GalaxySpec(true, late ? GalaxyKind.LATE_STAGE : GalaxyKind.PAIR, comps, blobs,
                config.kpcPerArcsec(), sep, ratio, tidal, rng.nextLong());
    }

    /** Adds one galaxy (single Sersic or bulge+disk, plus clumps) centred at (xKpc, yKpc); returns its kind. */
    private GalaxyKind addGalaxy(Random rng, double flux, double xKpc, double yKpc, double sizeFactor, double lop,
            String role, List<SersicComponent> comps, List<GaussianBlob> blobs) {
        int nClumps = pick(rng, 0.4, 0.3, 0.2);
        double clumpFrac = 0;
        double[] fr = new double[nClumps];
        for (int i = 0; i < nClumps; i++) {
            fr[i] = uniform(rng, 0.01, 0.06);
            clumpFrac += fr[i];
        }
        double body = flux * (1 - clumpFrac);
        GalaxyKind kind;
        double reKpc;
        if (rng.nextDouble() < 0.45) {
            kind = GalaxyKind.BULGE_DISK;
            double bt = uniform(rng, 0.1, 0.6);
            reKpc = logUniform(rng, 1.5, 6.0) * sizeFactor;
            double qd = uniform(rng, 0.25, 1.0);
            double pa = uniform(rng, 0, 180);
            comps.add(new SersicComponent(xKpc / kpc(), yKpc / kpc(), uniform(rng, 0.8, 1.2), reKpc / kpc(), qd, pa,
                    lop, uniform(rng, 0, FULL_TURN), sed(body * (1 - bt), uniform(rng, 0.3, 1.0),
                            uniform(rng, 0.0, 0.5)), role + "-disk"));
            comps.add(new SersicComponent(xKpc / kpc(), yKpc / kpc(), uniform(rng, 2.5, 5.0),
                    reKpc * uniform(rng, 0.15, 0.4) / kpc(), uniform(rng, 0.6, 1.0), pa + rng.nextGaussian() * 10,
                    0, 0, sed(body * bt, uniform(rng, 1.5, 2.5), uniform(rng, 0.5, 1.0)), role + "-bulge"));
        } else {
            kind = GalaxyKind.SERSIC;
            SersicComponent c = sersic(rng, body, xKpc, yKpc, logUniform(rng, 1.0, 5.0), sizeFactor, lop, role);
            comps.add(c);
            reKpc = c.effectiveRadiusArcsec() * kpc();
        }
        for (int i = 0; i < nClumps; i++) {
            double r = uniform(rng, 0.2, 1.5) * reKpc;
            double a = uniform(rng, 0, 2 * Math.PI);
            blobs.add(new GaussianBlob((xKpc + r * Math.cos(a)) / kpc(), (yKpc + r * Math.sin(a)) / kpc(),
                    uniform(rng, 0.2, 0.6) / kpc(), blueSed(rng, flux * fr[i]), "clump"));
        }
        return kind;
    }

    private SersicComponent sersic(Random rng, double flux, double xKpc, double yKpc, double reKpc, double sizeFactor,
            double lop, String role) {
        double n = logUniform(rng, 0.6, 4.5);
        double t = Math.log(n / 0.6) / Math.log(4.5 / 0.6);
        double blue = 0.3 + 1.6 * t + uniform(rng, -0.2, 0.2);
        double red = 0.1 + 0.7 * t + uniform(rng, -0.1, 0.1);
        return new SersicComponent(xKpc / kpc(), yKpc / kpc(), n, reKpc * sizeFactor / kpc(), uniform(rng, 0.35, 1.0),
                uniform(rng, 0, 180), lop, uniform(rng, 0, FULL_TURN), sed(flux, blue, red), role);
    }

    /** A tidal tail: blobs along a sweeping arc whose radius grows linearly, brightest near the galaxy. */
    private void addTail(Random rng, double xKpc, double yKpc, double reKpc, double startAngle, double spin,
            double flux, List<GaussianBlob> blobs) {
        int m = 14 + rng.nextInt(11);
        double r0 = uniform(rng, 1.0, 2.0) * reKpc;
        double r1 = r0 + uniform(rng, 6, 25);
        double sweep = spin * Math.toRadians(uniform(rng, 60, 150));
        double width = uniform(rng, 0.8, 1.3);
        double[] w = new double[m];
        double sum = 0;
        for (int i = 0; i < m; i++) {
            double t = (double) i / (m - 1);
            w[i] = 1 - 0.7 * t;
            sum += w[i];
        }
        double blue = uniform(rng, -0.3, 0.4);
        double red = uniform(rng, -0.3, 0.2);
        for (int i = 0; i < m; i++) {
            double t = (double) i / (m - 1);
            double r = r0 + (r1 - r0) * t;
            double a = startAngle + sweep * t;
            blobs.add(new GaussianBlob((xKpc + r * Math.cos(a)) / kpc(), (yKpc + r * Math.sin(a)) / kpc(),
                    (0.4 + 1.0 * t) * width / kpc(), sed(flux * w[i] / sum, blue, red), "tail"));
        }
    }

    /** An asymmetric shell: blobs of equal flux on a circular arc on one side of the galaxy. */
    private void addShell(Random rng, double xKpc, double yKpc, double reKpc, double direction, double flux,
            List<GaussianBlob> blobs) {
        int m = 12 + rng.nextInt(7);
        double radius = uniform(rng, 2.0, 4.0) * reKpc;
        double span = Math.toRadians(uniform(rng, 70, 140));
        double sigma = uniform(rng, 0.3, 0.6);
        double blue = uniform(rng, 0.3, 1.2);
        double red = uniform(rng, 0.1, 0.6);
        for (int i = 0; i < m; i++) {
            double a = direction - span / 2 + span * i / (m - 1);
            blobs.add(new GaussianBlob((xKpc + radius * Math.cos(a)) / kpc(), (yKpc + radius * Math.sin(a)) / kpc(),
                    sigma / kpc(), sed(flux / m, blue, red), "shell"));
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private double kpc() {
        return config.kpcPerArcsec();
    }

    private Sed sed(double flux, double blueSlope, double redSlope) {
        return new Sed(flux, config.referenceWavelengthUm(), blueSlope, redSlope);
    }

    private Sed blueSed(Random rng, double flux) {
        return sed(flux, uniform(rng, -0.3, 0.4), uniform(rng, -0.3, 0.2));
    }

    private static double uniform(Random rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }

    private static double logUniform(Random rng, double lo, double hi) {
        return Math.exp(uniform(rng, Math.log(lo), Math.log(hi)));
    }

    /** @return 0, 1, 2 with the given probabilities, else 3 */
    private static int pick(Random rng, double p0, double p1, double p2) {
        double u = rng.nextDouble();
        return u < p0 ? 0 : u < p0 + p1 ? 1 : u < p0 + p1 + p2 ? 2 : 3;
    }

    /** SplitMix64 finaliser (Steele, Lea &amp; Flood 2014). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static DeepMergeException invalid(String message) {
        return new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG, "synthetic galaxy generator: " + message);
    }
}
