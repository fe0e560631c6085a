package org.deepmerge.streams.topology;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertFormat;
import org.deepmerge.core.alert.CutoutStamp;

/**
 * The {@code assemble} channel policy's state for one object: the latest stamp per model band (raw FITS bytes,
 * as the alert carried them, of the cutout kind the channel mapping chooses) and the ids, position and record
 * timestamp of the object's latest alert. The value of the assembly store (keyed by {@code survey/objectId})
 * and so of its changelog topic. At most one stamp per model channel band, so at most C stamps per object.
 *
 * <p>Encoding v2 (DataOutput): version byte 2; alert format; survey; latest sourceId, objectId, ra, dec,
 * epochMjd (MJD), record timestamp (ms); scored flag; wall-clock arrival of the object's first stamp (ms); stamp
 * count; per stamp kind, band, pixel scale (arcsec/px), wall-clock arrival time (ms), byte length and the bytes.
 * Version 1 (written before issue 19) lacks the first arrival; it decodes with the oldest stored stamp's arrival.
 *
 * @param format          wire format of the latest alert
 * @param survey          survey name
 * @param sourceId        source id of the latest alert (the key of the score it triggers)
 * @param objectId        object id
 * @param ra              right ascension of the latest alert, degrees
 * @param dec             declination of the latest alert, degrees
 * @param epochMjd        epoch of the latest alert, MJD (NaN if absent)
 * @param recordTimestamp the latest alert's record timestamp, ms since epoch
 * @param scored          true once an alert completed every model band and was scored
 * @param firstArrivalWallMs wall-clock time (ms) the object's first stamp was processed; the assemble timeout counts
 *                        from it and later stamps never move it
 * @param stamps          the latest stamp per band, at most one per model channel band
 */
public record ObjectBands(AlertFormat format, String survey, String sourceId, String objectId, double ra, double dec,
                          double epochMjd, long recordTimestamp, boolean scored, long firstArrivalWallMs,
                          List<BandStamp> stamps) {

    private static final byte VERSION = 2;
    private static final byte VERSION_1 = 1;

    /**
     * One band's latest stamp.
     *
     * @param stamp         kind, band, pixel scale (arcsec/px) and raw FITS bytes (gzipped or not)
     * @param arrivalWallMs wall-clock time (ms) the stamp's alert was processed; drives the timeout
     */
    public record BandStamp(CutoutStamp stamp, long arrivalWallMs) {
    }

    public ObjectBands {
        stamps = List.copyOf(stamps);
    }

    /**
     * Merges an alert into the entry: its present stamps of {@code kind} whose band is a model channel replace
     * that band's stored stamp; ids, position and timestamp become the alert's.
     *
     * @param previous        the entry so far, or null
     * @param alert           the new alert (objectId not null)
     * @param kind            the cutout kind the channel mapping uses for the alert's survey
     * @param channels        the model's channel bands
     * @param recordTimestamp the alert's record timestamp, ms
     * @param nowWallMs       wall-clock now, ms
     * @return the updated entry, or null when the alert has no present stamp of a model band
     */
    public static ObjectBands merge(ObjectBands previous, Alert alert, String kind, List<String> channels,
                                    long recordTimestamp, long nowWallMs) {
        List<BandStamp> stamps = new ArrayList<>(previous == null ? List.of() : previous.stamps());
        boolean any = false;
        for (CutoutStamp s : alert.stamps()) {
            if (!s.present() || !s.kind().equals(kind) || !isChannel(s.band(), channels)) {
                continue;
            }
            any = true;
            stamps.removeIf(b -> b.stamp().band().equalsIgnoreCase(s.band()));
            stamps.add(new BandStamp(s, nowWallMs));
        }
        if (!any) {
            return null;
        }
        return new ObjectBands(alert.format(), alert.survey(), alert.sourceId(), alert.objectId(), alert.ra(),
                alert.dec(), alert.epochMjd(), recordTimestamp, previous != null && previous.scored(),
                previous == null ? nowWallMs : previous.firstArrivalWallMs(), stamps);
    }

    private static boolean isChannel(String band, List<String> channels) {
        return channels.stream().anyMatch(c -> c.equalsIgnoreCase(band));
    }

    /**
     * @param channels the model's channel bands
     * @return true when every channel band has a stamp
     */
    public boolean complete(List<String> channels) {
        return channels.stream().allMatch(c -> stamps.stream().anyMatch(b -> b.stamp().band().equalsIgnoreCase(c)));
    }

    /**
     * @param timeoutMs the assemble timeout, ms (at least 1)
     * @return wall-clock time (ms) at which the object is due: its first stamp's arrival plus the timeout, saturated
     *         at {@link Long#MAX_VALUE}; later stamps never move it
     */
    public long deadlineWallMs(long timeoutMs) {
        long d = firstArrivalWallMs + timeoutMs;
        return ((firstArrivalWallMs ^ d) & (timeoutMs ^ d)) < 0 ? Long.MAX_VALUE : Math.max(0, d);
    }

    /** @return this entry marked as scored */
    public ObjectBands markScored() {
        return new ObjectBands(format, survey, sourceId, objectId, ra, dec, epochMjd, recordTimestamp, true, firstArrivalWallMs,
                stamps);
    }

    /**
     * @return an alert with the latest alert's ids and position and the stored stamps (in arrival order), so the
     *         channel mapping takes each channel from its own band's stamp and replicates the first stored
     *         stamp into channels whose band is missing; the entry keeps no catalogue context, so the assembled
     *         alert has none besides the survey's typical seeing (the applicability gate skips the catalogue check)
     */
    public Alert toAlert() {
        return new Alert(format, survey, sourceId, objectId, ra, dec, epochMjd,
                stamps.stream().map(BandStamp::stamp).toList(),
                new org.deepmerge.core.alert.CatalogueContext(null, null,
                        org.deepmerge.core.alert.CatalogueContext.typicalSeeingArcsec(survey)));
    }

    /**
     * @param survey   survey name
     * @param objectId object id
     * @return the store key: upper-case survey, '/', object id (object ids are unique only within a survey)
     */
    public static String key(String survey, String objectId) {
        return survey.toUpperCase(Locale.ROOT) + "/" + objectId;
    }

    /** @return the encoded bytes (store value) */
    public byte[] encode() {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream(8192);
            DataOutputStream out = new DataOutputStream(bos);
            out.writeByte(VERSION);
            out.writeUTF(format.name());
            out.writeUTF(survey);
            out.writeUTF(sourceId);
            out.writeUTF(objectId);
            out.writeDouble(ra);
            out.writeDouble(dec);
            out.writeDouble(epochMjd);
            out.writeLong(recordTimestamp);
            out.writeBoolean(scored);
            out.writeLong(firstArrivalWallMs);
            out.writeShort(stamps.size());
            for (BandStamp b : stamps) {
                CutoutStamp s = b.stamp();
                out.writeUTF(s.kind());
                out.writeUTF(s.band());
                out.writeDouble(s.pixelScaleArcsec());
                out.writeLong(b.arrivalWallMs());
                out.writeInt(s.data().length);
                out.write(s.data());
            }
            out.flush();
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param bytes a value written by {@link #encode()}
     * @return the entry
     * @throws IllegalStateException when the bytes are not a v1 or v2 entry (a corrupt store is a fault)
     */
    public static ObjectBands decode(byte[] bytes) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            byte v = in.readByte();
            if (v != VERSION && v != VERSION_1) {
                throw new IllegalStateException("assembly store entry has unknown encoding version " + v);
            }
            AlertFormat format = AlertFormat.valueOf(in.readUTF());
            String survey = in.readUTF();
            String sourceId = in.readUTF();
            String objectId = in.readUTF();
            double ra = in.readDouble();
            double dec = in.readDouble();
            double epoch = in.readDouble();
            long ts = in.readLong();
            boolean scored = in.readBoolean();
            long first = v == VERSION ? in.readLong() : Long.MAX_VALUE;
            int n = in.readShort();
            List<BandStamp> stamps = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String kind = in.readUTF();
                String band = in.readUTF();
                double scale = in.readDouble();
                long wall = in.readLong();
                byte[] data = new byte[in.readInt()];
                in.readFully(data);
                stamps.add(new BandStamp(new CutoutStamp(kind, band, scale, data), wall));
            }
            if (v == VERSION_1) {
                first = stamps.stream().mapToLong(BandStamp::arrivalWallMs).min().orElse(0L);
            }
            return new ObjectBands(format, survey, sourceId, objectId, ra, dec, epoch, ts, scored, first, stamps);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("corrupt assembly store entry: " + e.getMessage(), e);
        }
    }
}
