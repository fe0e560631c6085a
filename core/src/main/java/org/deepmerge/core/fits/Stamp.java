package org.deepmerge.core.fits;

/**
 * A decoded 2-D image stamp.
 *
 * @param width             NAXIS1, pixels
 * @param height            NAXIS2, pixels
 * @param pixels            float32 values, row-major: pixel (x, y) at {@code y * width + x}, rows in FITS
 *                          storage order (y = 0 is the first row of the data array); physical units as stored
 *                          (after BSCALE/BZERO); non-finite values (NaN, Inf, BLANK) already replaced by the
 *                          median of the stamp's finite pixels (see {@link StampDecoder})
 * @param pixelScaleArcsec  pixel scale, arcsec/px (from the WCS when present, else the survey default)
 * @param nonFiniteReplaced how many NaN/Inf pixels were replaced
 */
public record Stamp(int width, int height, float[] pixels, double pixelScaleArcsec, int nonFiniteReplaced) {

    public Stamp {
        if (width <= 0 || height <= 0 || pixels.length != width * height) {
            throw new IllegalArgumentException("stamp " + width + "x" + height + " has " + pixels.length + " pixels");
        }
    }
}
