package org.deepmerge.core.synthetic;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.GZIPOutputStream;
import nom.tam.fits.BasicHDU;
import nom.tam.fits.Fits;
import nom.tam.fits.FitsException;
import nom.tam.fits.Header;
import nom.tam.util.FitsOutputStream;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.fits.StampEncoder;

/**
 * Writes one band of a rendered image as a FITS stamp (nom-tam-fits): a primary HDU, BITPIX -32, NAXIS1 = W,
 * NAXIS2 = H, with a TAN WCS centred on the stamp — {@code CRPIX = ((W+1)/2, (H+1)/2)} (1-based FITS pixels),
 * {@code CRVAL = (ra, dec)} ICRS degrees, {@code CD1_1 = -scale/3600, CD2_2 = +scale/3600} (north up, east left),
 * {@code BUNIT = 'uJy/arcsec**2'}, {@code FILTER}, {@code PIXSCALE} (arcsec/px). Optionally gzipped, as ZTF
 * alert stamps are.
 */
public final class FitsStamps {

    /** BUNIT of every image this package writes. */
    public static final String BUNIT = "uJy/arcsec**2";

    private FitsStamps() {
    }

    /**
     * @param image            {@code [C,H,W]} float32 (as rendered), microJansky/arcsec^2
     * @param channel          which channel to write, 0-based
     * @param height           H, pixels
     * @param width            W, pixels
     * @param pixelScaleArcsec arcsec/px
     * @param raDeg            right ascension of the stamp centre, degrees
     * @param decDeg           declination of the stamp centre, degrees
     * @param band             band/filter name for the FILTER keyword
     * @param epochMjd         observation epoch (MJD-OBS), or null
     * @param gzip             true to gzip the FITS bytes
     * @return the FITS file bytes (gzipped if asked)
     * @throws DeepMergeException WRONG_SHAPE if the array is not a whole number of H x W channels or the channel
     *                            is out of range; IO_ERROR if nom-tam-fits fails
     */
    public static byte[] write(float[] image, int channel, int height, int width, double pixelScaleArcsec,
            double raDeg, double decDeg, String band, Double epochMjd, boolean gzip) throws DeepMergeException {
        if (height < 1 || width < 1 || image == null || image.length % (height * width) != 0) {
            throw new DeepMergeException(DeepMergeException.Reason.WRONG_SHAPE, "FITS stamp: image of "
                    + (image == null ? "null" : image.length) + " floats is not [C," + height + "," + width + "]");
        }
        int channels = image.length / (height * width);
        if (channel < 0 || channel >= channels) {
            throw new DeepMergeException(DeepMergeException.Reason.WRONG_SHAPE,
                    "FITS stamp: channel " + channel + " outside 0.." + (channels - 1));
        }
        float[][] data = new float[height][width];
        for (int y = 0; y < height; y++) {
            System.arraycopy(image, (channel * height + y) * width, data[y], 0, width);
        }
        try (Fits fits = new Fits()) {
            BasicHDU<?> hdu = Fits.makeHDU(data);
            Header h = hdu.getHeader();
            StampEncoder.addTanWcs(h, width, height, pixelScaleArcsec, raDeg, decDeg);
            h.addValue("BUNIT", BUNIT, "surface brightness, microJansky per arcsec^2");
            h.addValue("FILTER", band, "band");
            h.addValue("PIXSCALE", pixelScaleArcsec, "[arcsec/px] pixel scale");
            if (epochMjd != null) {
                h.addValue("MJD-OBS", epochMjd.doubleValue(), "[d] observation epoch, MJD");
            }
            h.addValue("ORIGIN", "DeepMerge Streams synthetic", "org.deepmerge.core.synthetic");
            fits.addHDU(hdu);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(2880 * (2 + height * width * 4 / 2880));
            OutputStream sink = gzip ? new GZIPOutputStream(bytes) : bytes;
            try (FitsOutputStream out = new FitsOutputStream(sink)) {
                fits.write(out);
            }
            return bytes.toByteArray();
        } catch (FitsException | IOException e) {
            throw new DeepMergeException(DeepMergeException.Reason.IO_ERROR,
                    "FITS stamp for band " + band + ": nom-tam-fits failed: " + e.getMessage(), e);
        }
    }
}
