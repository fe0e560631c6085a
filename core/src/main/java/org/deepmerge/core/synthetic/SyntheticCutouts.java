package org.deepmerge.core.synthetic;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deepmerge.avro.v1.Cutout;
import org.deepmerge.avro.v1.CutoutBand;
import org.deepmerge.core.DeepMergeException;

/**
 * Builds {@link Cutout} Avro records (schema {@code schemas/cutout.avsc}) from synthetic galaxies for demos and
 * tests: survey {@value #SURVEY}, one {@link CutoutBand} per band whose {@code stampData} is a FITS stamp
 * ({@link FitsStamps}) with a TAN WCS at (ra, dec). Encoding the record is {@code core.alert}'s job.
 */
public final class SyntheticCutouts {

    /** The survey name on synthetic cutouts. */
    public static final String SURVEY = "SIM";

    private SyntheticCutouts() {
    }

    /**
     * A synthetic cutout with its ground truth.
     *
     * @param cutout the record
     * @param spec   the galaxy it shows ({@code spec.merger()} is the label)
     */
    public record Labelled(Cutout cutout, GalaxySpec spec) {
    }

    /**
     * A reproducible demo set: {@code n} cutouts, a fraction of them mergers (spread evenly through the sequence),
     * source ids {@code sim-<i>} (zero-padded to 6 digits), object ids {@code simobj-<i>}, positions uniform on
     * the sphere, epochs from MJD 60000 in steps of 30 s, all from {@code seed}.
     *
     * @param generator      the galaxy generator (spec i is {@code sample(merger, i)})
     * @param observation    bands, size, pixel scale, PSFs, noise
     * @param n              number of cutouts, &gt;= 0
     * @param mergerFraction fraction of mergers, 0 to 1
     * @param seed           seed for positions
     * @param gzip           gzip the FITS stamps
     * @return the cutouts with their specs, in order
     * @throws DeepMergeException INVALID_CONFIG for n &lt; 0 or a fraction outside [0, 1]; as
     *                            {@link #cutout(String, String, double, double, Double, GalaxySpec, Observation, boolean)}
     */
    public static List<Labelled> sampleSet(SyntheticGalaxyGenerator generator, Observation observation, int n,
            double mergerFraction, long seed, boolean gzip) throws DeepMergeException {
        if (n < 0 || !(mergerFraction >= 0 && mergerFraction <= 1)) {
            throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG, "synthetic cutout set: need n >= 0 "
                    + "and 0 <= mergerFraction <= 1 (n=" + n + ", mergerFraction=" + mergerFraction + ")");
        }
        Random rng = new Random(seed);
        List<Labelled> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            boolean merger = Math.floor((i + 1) * mergerFraction) > Math.floor(i * mergerFraction);
            GalaxySpec spec = generator.sample(merger, i);
            double ra = 360 * rng.nextDouble();
            double dec = Math.toDegrees(Math.asin(2 * rng.nextDouble() - 1));
            String id = String.format(java.util.Locale.ROOT, "%06d", i);
            out.add(new Labelled(cutout("sim-" + id, "simobj-" + id, ra, dec, 60000.0 + i * 30.0 / 86400, spec,
                    observation, gzip), spec));
        }
        return out;
    }

    /**
     * Renders a spec and packs it as a Cutout.
     *
     * @param sourceId    unique id of this cutout set (the score key)
     * @param objectId    object id, or null
     * @param raDeg       right ascension, ICRS degrees
     * @param decDeg      declination, ICRS degrees
     * @param epochMjd    observation epoch, MJD, or null
     * @param spec        the galaxy
     * @param observation bands, size, pixel scale, PSFs, noise
     * @param gzip        gzip the FITS stamps (as ZTF does)
     * @return the record, bands in the observation's order, kind "science"
     * @throws DeepMergeException INVALID_CONFIG for a null/blank sourceId or unknown band; IO_ERROR if a stamp
     *                            cannot be written
     */
    public static Cutout cutout(String sourceId, String objectId, double raDeg, double decDeg, Double epochMjd,
            GalaxySpec spec, Observation observation, boolean gzip) throws DeepMergeException {
        float[] image = GalaxyRenderer.render(spec, observation);
        return cutout(sourceId, objectId, raDeg, decDeg, epochMjd, image, observation.bands(), observation.size(),
                observation.pixelScaleArcsec(), gzip);
    }

    /**
     * Packs an already rendered {@code [C,H,W]} image (H = W = size) as a Cutout.
     *
     * @param sourceId         unique id of this cutout set
     * @param objectId         object id, or null
     * @param raDeg            right ascension, ICRS degrees
     * @param decDeg           declination, ICRS degrees
     * @param epochMjd         observation epoch, MJD, or null
     * @param image            {@code [C,H,W]} float32, microJansky/arcsec^2
     * @param bands            C band names
     * @param size             H = W, pixels
     * @param pixelScaleArcsec arcsec/px
     * @param gzip             gzip the FITS stamps
     * @return the record
     * @throws DeepMergeException INVALID_CONFIG for a null/blank sourceId; WRONG_SHAPE if the image is not
     *                            [bands, size, size]; IO_ERROR if a stamp cannot be written
     */
    public static Cutout cutout(String sourceId, String objectId, double raDeg, double decDeg, Double epochMjd,
            float[] image, List<String> bands, int size, double pixelScaleArcsec, boolean gzip)
            throws DeepMergeException {
        if (sourceId == null || sourceId.isBlank()) {
            throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG, "synthetic cutout: sourceId is blank");
        }
        if (image == null || bands == null || image.length != bands.size() * size * size) {
            throw new DeepMergeException(DeepMergeException.Reason.WRONG_SHAPE, "synthetic cutout " + sourceId
                    + ": image of " + (image == null ? "null" : image.length) + " floats is not [" + bands + ", "
                    + size + ", " + size + "]");
        }
        List<CutoutBand> out = new ArrayList<>();
        for (int c = 0; c < bands.size(); c++) {
            byte[] fits = FitsStamps.write(image, c, size, size, pixelScaleArcsec, raDeg, decDeg, bands.get(c),
                    epochMjd, gzip);
            out.add(CutoutBand.newBuilder().setBand(bands.get(c)).setPixelScaleArcsec(pixelScaleArcsec)
                    .setStampData(ByteBuffer.wrap(fits)).build());
        }
        return Cutout.newBuilder().setSourceId(sourceId).setObjectId(objectId).setSurvey(SURVEY).setRa(raDeg)
                .setDec(decDeg).setEpochMjd(epochMjd).setBands(out).build();
    }
}
