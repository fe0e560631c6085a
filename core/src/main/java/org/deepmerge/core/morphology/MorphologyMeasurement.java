package org.deepmerge.core.morphology;

import java.util.Objects;
import org.deepmerge.core.fits.Stamp;

/**
 * The morphology a score record carries: the statistics of one band's stamp as the model's grid holds it before the
 * non-linear stretch, and which band and grid that was.
 *
 * @param band             band of the stamp measured (as the alert names it, e.g. {@code r})
 * @param pixelScaleArcsec pixel scale of the grid measured, arcsec/px
 * @param result           the statistics ({@link Morphology}); NaN where not measured
 */
public record MorphologyMeasurement(String band, double pixelScaleArcsec, MorphologyResult result) {

    public MorphologyMeasurement {
        Objects.requireNonNull(band, "band");
        Objects.requireNonNull(result, "result");
    }

    /**
     * Measures a plane of the model grid.
     *
     * @param band  band of the stamp that filled it
     * @param plane the plane {@code [H,W]} float32, linear in flux, with its grid's pixel scale; its border sky is
     *              subtracted first ({@link Morphology#measure(Stamp)})
     * @return the measurement
     * @throws IllegalArgumentException when the plane's pixel scale is not a positive finite number
     */
    public static MorphologyMeasurement of(String band, Stamp plane) {
        return new MorphologyMeasurement(band, plane.pixelScaleArcsec(), Morphology.measure(plane));
    }
}
