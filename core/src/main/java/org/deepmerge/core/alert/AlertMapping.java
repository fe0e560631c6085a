package org.deepmerge.core.alert;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/** Maps generic Avro records (any writer schema version) of ZTF, Rubin and Cutout messages onto {@link Alert}. */
final class AlertMapping {
    /** ZTF {@code candidate.jd} is a Julian Date; MJD = JD - 2400000.5 (IAU 1997 definition of MJD). */
    static final double JD_TO_MJD = 2400000.5;
    /** {@link Alert#survey()} of ZTF alerts. */
    static final String ZTF = "ZTF";
    /** {@link Alert#survey()} of Rubin alerts. */
    static final String LSST = "LSST";

    private AlertMapping() {
    }

    /** @param kinds the cutout kinds to list in {@link Alert#stamps()} (the others were not decoded) */
    static Alert ztf(AlertFormat format, GenericRecord alert, String where, Set<String> kinds) throws DeepMergeException {
        Object candid = required(alert, "candid", where);
        String objectId = string(required(alert, "objectId", where));
        GenericRecord cand = record(required(alert, "candidate", where), "candidate", where);
        double ra = coordinate(cand, "ra", "candidate.ra", where, 0, 360);
        double dec = coordinate(cand, "dec", "candidate.dec", where, -90, 90);
        Object jd = field(cand, "jd");
        double epoch = jd instanceof Number ? ((Number) jd).doubleValue() - JD_TO_MJD : Double.NaN;
        String band = ztfBand(field(cand, "fid"));
        List<CutoutStamp> stamps = new ArrayList<>(3);
        for (String kind : AlertReader.KINDS) {
            if (!kinds.contains(kind)) {
                continue;
            }
            Object cutout = field(alert, cutoutField(kind));
            byte[] data = null;
            if (cutout instanceof GenericRecord) {
                data = bytes(field((GenericRecord) cutout, "stampData"));
            }
            stamps.add(new CutoutStamp(kind, band, AlertReader.ZTF_PIXEL_SCALE_ARCSEC, data));
        }
        return new Alert(format, ZTF, idString(candid, "candid", where), objectId, ra, dec, epoch, stamps,
                ztfCatalogue(cand));
    }

    /**
     * The catalogue context of a ZTF {@code candidate}: {@code sgscore1}, {@code distpsnr1} (present since schema 3.0;
     * ZTF writes -999 where there is no PS1 source within 30 arcsec, read as unknown) and the seeing from
     * {@code candidate.fwhm} (pixels, times {@link AlertReader#ZTF_PIXEL_SCALE_ARCSEC}) when plausible (within
     * [{@link CatalogueContext#MIN_SEEING_FACTOR}, {@link CatalogueContext#MAX_SEEING_FACTOR}] x typical), else the
     * typical ZTF seeing.
     */
    static CatalogueContext ztfCatalogue(GenericRecord cand) {
        Double sg = nonNegative(field(cand, "sgscore1"));
        Double dist = nonNegative(field(cand, "distpsnr1"));
        Double fwhmPx = nonNegative(field(cand, "fwhm"));
        Double seeing = fwhmPx == null ? null : fwhmPx * AlertReader.ZTF_PIXEL_SCALE_ARCSEC;
        double typical = CatalogueContext.ZTF_TYPICAL_SEEING_ARCSEC;
        if (seeing == null || seeing < CatalogueContext.MIN_SEEING_FACTOR * typical
                || seeing > CatalogueContext.MAX_SEEING_FACTOR * typical) {
            seeing = typical;
        }
        return new CatalogueContext(sg, dist, seeing);
    }

    /** @return the value as a double when it is a finite number &gt;= 0, else null (absent, null, -999 sentinel) */
    private static Double nonNegative(Object v) {
        if (!(v instanceof Number)) {
            return null;
        }
        double d = ((Number) v).doubleValue();
        return Double.isFinite(d) && d >= 0 ? d : null;
    }

    /** @param kinds the cutout kinds to list in {@link Alert#stamps()} (the others were not decoded) */
    static Alert rubin(AlertFormat format, GenericRecord alert, String where, Set<String> kinds) throws DeepMergeException {
        GenericRecord src = record(required(alert, "diaSource", where), "diaSource", where);
        String sourceId = idString(required(src, "diaSourceId", where + " diaSource"), "diaSource.diaSourceId", where);
        String objectId = null;
        Object diaObject = field(alert, "diaObject");
        if (diaObject instanceof GenericRecord) {
            objectId = optionalId(field((GenericRecord) diaObject, "diaObjectId"));
        }
        if (objectId == null) {
            objectId = optionalId(field(src, "diaObjectId"));
        }
        double ra = coordinate(src, "ra", "diaSource.ra", where, 0, 360);
        double dec = coordinate(src, "dec", "diaSource.dec", where, -90, 90);
        Object mjd = field(src, "midpointMjdTai");
        double epoch = mjd instanceof Number ? ((Number) mjd).doubleValue() : Double.NaN;
        Object bandValue = field(src, "band");
        String band = bandValue == null ? "unknown" : bandValue.toString();
        List<CutoutStamp> stamps = new ArrayList<>(3);
        for (String kind : AlertReader.KINDS) {
            if (!kinds.contains(kind)) {
                continue;
            }
            stamps.add(new CutoutStamp(kind, band, AlertReader.RUBIN_PIXEL_SCALE_ARCSEC,
                    bytes(field(alert, cutoutField(kind)))));
        }
        // Rubin alerts (v7-v11) carry nothing about a host: diaSource.extendedness describes the transient on the
        // difference image, not the static source under it, so it must not be used to reject a host. No catalogue
        // check for Rubin; the seeing is the survey's typical value.
        return new Alert(format, LSST, sourceId, objectId, ra, dec, epoch, stamps,
                new CatalogueContext(null, null, CatalogueContext.LSST_TYPICAL_SEEING_ARCSEC));
    }

    static Alert cutout(AlertFormat format, GenericRecord rec, String where) throws DeepMergeException {
        String sourceId = string(required(rec, "sourceId", where));
        if (sourceId.isEmpty()) {
            throw new DeepMergeException(Reason.MISSING_FIELD, where + ": Cutout.sourceId is empty");
        }
        Object objectId = field(rec, "objectId");
        Object survey = field(rec, "survey");
        double ra = coordinate(rec, "ra", "Cutout.ra", where, 0, 360);
        double dec = coordinate(rec, "dec", "Cutout.dec", where, -90, 90);
        Object epoch = field(rec, "epochMjd");
        Object bands = required(rec, "bands", where);
        if (!(bands instanceof List)) {
            throw new DeepMergeException(Reason.MALFORMED_ALERT, where + ": Cutout.bands is not an array");
        }
        List<CutoutStamp> stamps = new ArrayList<>();
        int i = 0;
        for (Object b : (List<?>) bands) {
            GenericRecord band = record(b, "bands[" + i + "]", where);
            String bandName = string(required(band, "band", where + " bands[" + i + "]"));
            Object kind = field(band, "kind");
            Object scale = field(band, "pixelScaleArcsec");
            double pixelScale = scale instanceof Number ? ((Number) scale).doubleValue() : Double.NaN;
            stamps.add(new CutoutStamp(kind == null ? "science" : kind.toString(), bandName, pixelScale,
                    bytes(field(band, "stampData"))));
            i++;
        }
        return new Alert(format, survey == null ? "unknown" : survey.toString(), sourceId,
                objectId == null ? null : objectId.toString(), ra, dec,
                epoch instanceof Number ? ((Number) epoch).doubleValue() : Double.NaN, stamps, CatalogueContext.UNKNOWN);
    }

    /** @return the alert field holding a stamp kind, e.g. {@code cutoutTemplate} */
    static String cutoutField(String kind) {
        return "cutout" + Character.toUpperCase(kind.charAt(0)) + kind.substring(1);
    }

    /** ZTF filter ids: 1 = g, 2 = r (ZTF_r), 3 = i (ZTF Avro alert schema, {@code candidate.fid} doc). */
    static String ztfBand(Object fid) {
        if (!(fid instanceof Number)) {
            return "unknown";
        }
        switch (((Number) fid).intValue()) {
            case 1:
                return "g";
            case 2:
                return "r";
            case 3:
                return "i";
            default:
                return "fid" + fid;
        }
    }

    private static Object field(GenericRecord rec, String name) {
        return rec.getSchema().getField(name) == null ? null : rec.get(name);
    }

    private static Object required(GenericRecord rec, String name, String where) throws DeepMergeException {
        Object v = field(rec, name);
        if (v == null) {
            String what = rec.getSchema().getField(name) == null ? "has no field " : "has null ";
            throw new DeepMergeException(Reason.MISSING_FIELD,
                    where + ": record " + rec.getSchema().getName() + " " + what + name);
        }
        return v;
    }

    private static GenericRecord record(Object v, String name, String where) throws DeepMergeException {
        if (!(v instanceof GenericRecord)) {
            throw new DeepMergeException(Reason.MALFORMED_ALERT, where + ": " + name + " is not a record");
        }
        return (GenericRecord) v;
    }

    private static double coordinate(GenericRecord rec, String name, String label, String where, double lo, double hi)
            throws DeepMergeException {
        Object v = field(rec, name);
        if (v == null) {
            throw new DeepMergeException(Reason.MISSING_FIELD, where + ": " + label
                    + " is absent or null; a finite position in degrees is required");
        }
        if (!(v instanceof Number) || !Double.isFinite(((Number) v).doubleValue())) {
            throw new DeepMergeException(Reason.INVALID_FIELD, where + ": " + label + " = " + v
                    + " is not a finite position in degrees");
        }
        double d = ((Number) v).doubleValue();
        if (hi == 360 && d == 360) {
            d = 0;
        }
        if (d < lo || d > hi || (hi == 360 && d >= hi)) {
            throw new DeepMergeException(Reason.INVALID_FIELD, where + ": " + label + " = " + d
                    + " deg is outside [" + lo + ", " + hi + (hi == 360 ? ")" : "]"));
        }
        return d;
    }

    private static String idString(Object v, String label, String where) throws DeepMergeException {
        if (v instanceof Number) {
            return Long.toString(((Number) v).longValue());
        }
        String s = v.toString();
        if (s.isEmpty()) {
            throw new DeepMergeException(Reason.MISSING_FIELD, where + ": " + label + " is empty");
        }
        return s;
    }

    /** Rubin ids are positive; Fink's relay writes 0 where the Rubin alert had null. */
    private static String optionalId(Object v) {
        if (v instanceof Number) {
            long id = ((Number) v).longValue();
            return id == 0 ? null : Long.toString(id);
        }
        return v == null ? null : v.toString();
    }

    private static String string(Object v) {
        return v.toString();
    }

    private static byte[] bytes(Object v) {
        if (v instanceof ByteBuffer) {
            ByteBuffer bb = ((ByteBuffer) v).duplicate();
            if (bb.hasArray() && bb.arrayOffset() == 0 && bb.position() == 0 && bb.remaining() == bb.array().length) {
                return bb.array(); // Avro's own buffer for this field of a record that is discarded after mapping
            }
            byte[] out = new byte[bb.remaining()];
            bb.get(out);
            return out;
        }
        if (v instanceof byte[]) {
            return ((byte[]) v).clone();
        }
        return null;
    }
}
