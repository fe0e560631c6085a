package org.deepmerge.core.alert;

import java.util.List;
import java.util.Optional;

/**
 * A decoded alert (or Cutout record): identifiers, position and its undecoded stamps.
 *
 * @param format    the wire format it arrived in
 * @param survey    survey name: {@code ZTF}, {@code LSST}, or the Cutout record's survey
 * @param sourceId  unique id of the detection: ZTF {@code candid}, Rubin {@code diaSourceId}, Cutout {@code sourceId}
 * @param objectId  ZTF {@code objectId}, Rubin {@code diaObjectId}, Cutout {@code objectId}; may be null
 * @param ra        right ascension, degrees (NaN if absent)
 * @param dec       declination, degrees (NaN if absent)
 * @param epochMjd  observation epoch, MJD (NaN if absent; ZTF {@code candidate.jd} - 2400000.5)
 * @param stamps    every stamp the alert carries, including absent ones ({@link CutoutStamp#data()} null)
 * @param catalogue catalogue star/galaxy context and seeing the alert carries ({@link CatalogueContext#UNKNOWN} when
 *                  none; null is read as UNKNOWN)
 */
public record Alert(AlertFormat format, String survey, String sourceId, String objectId,
                    double ra, double dec, double epochMjd, List<CutoutStamp> stamps, CatalogueContext catalogue) {

    public Alert {
        stamps = List.copyOf(stamps);
        catalogue = catalogue == null ? CatalogueContext.UNKNOWN : catalogue;
    }

    /**
     * The alert without its stamps' bytes, for holding on to after the stamps are decoded: a prepared input waiting
     * for its micro-batch would otherwise keep every cutout of the alert (ZTF: three gzipped FITS stamps, ~30 kB;
     * a hostile alert: up to the input's size cap) alive with it.
     *
     * @return a copy whose stamps keep kind, band and pixel scale but have {@code data} null ({@link
     *         CutoutStamp#present()} false); this alert itself when no stamp has bytes
     */
    public Alert withoutStampBytes() {
        if (stamps.stream().noneMatch(CutoutStamp::present)) {
            return this;
        }
        List<CutoutStamp> bare = stamps.stream()
                .map(s -> new CutoutStamp(s.kind(), s.band(), s.pixelScaleArcsec(), null)).toList();
        return new Alert(format, survey, sourceId, objectId, ra, dec, epochMjd, bare, catalogue);
    }

    /**
     * @param kind science, template or difference
     * @return the first stamp of that kind, present or not
     */
    public Optional<CutoutStamp> stamp(String kind) {
        return stamps.stream().filter(s -> s.kind().equals(kind)).findFirst();
    }
}
