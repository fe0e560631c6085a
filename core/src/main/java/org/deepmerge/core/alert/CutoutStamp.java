package org.deepmerge.core.alert;

/**
 * One undecoded image stamp carried by an alert.
 *
 * @param kind             which image: {@code science}, {@code template} or {@code difference}
 * @param band             band/filter name (ZTF g/r/i from {@code candidate.fid}; Rubin {@code diaSource.band};
 *                         Cutout record band), never null
 * @param pixelScaleArcsec survey default pixel scale, arcsec/px (ZTF 1.012, Rubin 0.2); a WCS in the
 *                         FITS header, when present, takes precedence at decode time
 * @param data             the stamp as FITS bytes, gzipped or not; {@code null} when the alert has no such cutout
 */
public record CutoutStamp(String kind, String band, double pixelScaleArcsec, byte[] data) {

    /** @return true when the alert carried bytes for this stamp */
    public boolean present() {
        return data != null;
    }
}
