package org.deepmerge.core.synthetic;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;

/**
 * Effective (pivot) wavelengths of the bands the generator knows, micrometres. HST/JWST values from the
 * instrument handbooks (ACS F606W 0.59, F814W 0.80; WFC3 F125W 1.25, F160W 1.54; NIRCam F150W 1.50, F200W 1.99,
 * F277W 2.76, F356W 3.56, F444W 4.40); ZTF g/r/i and LSST/SDSS ugrizy at their effective wavelengths.
 * Band names are matched case-sensitively first (ZTF/LSST use lower case), then case-insensitively.
 */
public final class Bands {

    private static final Map<String, Double> WAVELENGTH_UM = new LinkedHashMap<>();

    static {
        WAVELENGTH_UM.put("F435W", 0.43);
        WAVELENGTH_UM.put("F606W", 0.59);
        WAVELENGTH_UM.put("F775W", 0.77);
        WAVELENGTH_UM.put("F814W", 0.80);
        WAVELENGTH_UM.put("F105W", 1.06);
        WAVELENGTH_UM.put("F125W", 1.25);
        WAVELENGTH_UM.put("F140W", 1.39);
        WAVELENGTH_UM.put("F160W", 1.54);
        WAVELENGTH_UM.put("F150W", 1.50);
        WAVELENGTH_UM.put("F200W", 1.99);
        WAVELENGTH_UM.put("F277W", 2.76);
        WAVELENGTH_UM.put("F356W", 3.56);
        WAVELENGTH_UM.put("F444W", 4.40);
        WAVELENGTH_UM.put("u", 0.36);
        WAVELENGTH_UM.put("g", 0.48);
        WAVELENGTH_UM.put("r", 0.62);
        WAVELENGTH_UM.put("i", 0.75);
        WAVELENGTH_UM.put("z", 0.87);
        WAVELENGTH_UM.put("y", 0.97);
    }

    private Bands() {
    }

    /**
     * @param band band/filter name, e.g. F814W, F160W, r
     * @return effective wavelength, micrometres
     * @throws DeepMergeException INVALID_CONFIG for an unknown band
     */
    public static double wavelengthUm(String band) throws DeepMergeException {
        Double w = band == null ? null : WAVELENGTH_UM.get(band);
        if (w == null && band != null) {
            w = WAVELENGTH_UM.get(band.toUpperCase(Locale.ROOT));
            if (w == null) {
                w = WAVELENGTH_UM.get(band.toLowerCase(Locale.ROOT));
            }
        }
        if (w == null) {
            throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG,
                    "unknown band '" + band + "' for the synthetic galaxy generator; known: " + WAVELENGTH_UM.keySet());
        }
        return w;
    }
}
