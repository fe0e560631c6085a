package org.deepmerge.streams.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.deepmerge.core.testing.HostileInputs;

/**
 * A seeded generator of mutants of real alerts (issue 19 fuzzing): byte-level damage to the container, Avro varint
 * length corruption, gzip and FITS header corruption of one stamp, huge strings and huge or duplicated stamps, the
 * structural ones re-encoded with the alert's own writer schema. The same seed and index give the same mutant.
 */
public final class AlertMutants {
    /** The kinds of damage. */
    public enum Family {
        /** 1 to 16 random bits flipped anywhere in the container. */
        BIT_FLIP,
        /** The container cut at a random length (0 to length - 1). */
        TRUNCATE,
        /** 1 to 64 random bytes inserted at a random position. */
        INSERT,
        /** 1 to 64 bytes deleted at a random position. */
        DELETE,
        /**
         * An Avro varint rewritten (block record count, block byte size, the record's first varint, a stamp's length;
         * never to its own value), or the block padded with garbage after its record and its size grown to match.
         */
        VARINT,
        /** A stamp's gzip stream damaged: magic, method, flags, a body byte, the CRC/ISIZE trailer, cut, or garbage. */
        GZIP,
        /** A stamp's FITS primary header edited: SIMPLE, BITPIX, NAXIS, NAXISn, BSCALE/BZERO cards, END removed. */
        FITS_HEADER,
        /** A 70,000-character string in a field the scorer reads (ZTF objectId, Rubin diaSource.band) or not. */
        HUGE_STRING,
        /** A stamp replaced by a huge one (gzip bomb, 4 MiB of garbage), doubled, or copied into every cutout. */
        HUGE_STAMP
    }

    /** One mutant: its family, what was done, and the bytes. */
    public record Mutant(int index, Family family, String source, String detail, byte[] bytes) {
        /** @return a one-line description for failure messages */
        public String describe() {
            return "#" + index + " " + family + " of " + source + ": " + detail + " (" + bytes.length + " bytes)";
        }
    }

    private static final String[] CUTOUTS = {"cutoutScience", "cutoutTemplate", "cutoutDifference"};
    private static final int HUGE = 70_000;

    private final List<byte[]> alerts;
    private final List<String> names;
    private final long seed;
    private byte[] bomb;

    /**
     * @param alerts real alert files (Avro containers, one record each)
     * @param names  their names, for descriptions
     * @param seed   the run's seed
     */
    public AlertMutants(List<byte[]> alerts, List<String> names, long seed) {
        this.alerts = alerts;
        this.names = names;
        this.seed = seed;
    }

    /** @return the seed of system property {@code deepmerge.fuzz.seed}, default {@code def} */
    public static long seedProperty(long def) {
        return Long.parseLong(System.getProperty("deepmerge.fuzz.seed", Long.toString(def)));
    }

    /** @return the first mutant index of system property {@code deepmerge.fuzz.from} (default 0), to replay a range */
    public static int fromProperty() {
        return Integer.parseInt(System.getProperty("deepmerge.fuzz.from", "0"));
    }

    /** @return the count of system property {@code deepmerge.fuzz.count}, default {@code def} */
    public static int countProperty(int def) {
        return Integer.parseInt(System.getProperty("deepmerge.fuzz.count", Integer.toString(def)));
    }

    /**
     * @param index the mutant's number; family {@code index % families}, so every family gets its share
     * @return the mutant
     */
    public Mutant mutant(int index) {
        Random rnd = new Random(seed * 1_000_003L + index);
        Family family = Family.values()[index % Family.values().length];
        int a = rnd.nextInt(alerts.size());
        byte[] alert = alerts.get(a);
        StringBuilder detail = new StringBuilder();
        byte[] bytes = switch (family) {
            case BIT_FLIP -> bitFlip(alert, rnd, detail);
            case TRUNCATE -> {
                int len = rnd.nextInt(alert.length);
                detail.append("cut to ").append(len);
                yield Arrays.copyOf(alert, len);
            }
            case INSERT -> insert(alert, rnd, detail);
            case DELETE -> delete(alert, rnd, detail);
            case VARINT -> varint(alert, rnd, detail);
            case GZIP -> stamp(alert, rnd, detail, this::gzip);
            case FITS_HEADER -> stamp(alert, rnd, detail, AlertMutants::fitsHeader);
            case HUGE_STRING -> hugeString(alert, rnd, detail);
            case HUGE_STAMP -> hugeStamp(alert, rnd, detail);
        };
        return new Mutant(index, family, names.get(a), detail.toString(), bytes);
    }

    private static byte[] bitFlip(byte[] in, Random rnd, StringBuilder d) {
        byte[] b = in.clone();
        int n = 1 + rnd.nextInt(16);
        d.append("bits");
        for (int i = 0; i < n; i++) {
            int pos = rnd.nextInt(b.length);
            int bit = rnd.nextInt(8);
            b[pos] ^= (byte) (1 << bit);
            d.append(' ').append(pos).append('.').append(bit);
        }
        return b;
    }

    private static byte[] insert(byte[] in, Random rnd, StringBuilder d) {
        int pos = rnd.nextInt(in.length + 1);
        byte[] extra = new byte[1 + rnd.nextInt(64)];
        rnd.nextBytes(extra);
        d.append(extra.length).append(" bytes at ").append(pos);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + extra.length);
        out.write(in, 0, pos);
        out.writeBytes(extra);
        out.write(in, pos, in.length - pos);
        return out.toByteArray();
    }

    private static byte[] delete(byte[] in, Random rnd, StringBuilder d) {
        int pos = rnd.nextInt(in.length);
        int n = Math.min(1 + rnd.nextInt(64), in.length - pos);
        d.append(n).append(" bytes at ").append(pos);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        out.write(in, 0, pos);
        out.write(in, pos + n, in.length - pos - n);
        return out.toByteArray();
    }

    /** Varint values that break readers: zero, negative, just too long, int overflow, the largest long. */
    private static final long[] BAD_LENGTHS = {0, -1, -2, 1, 7, 1_000_000, Integer.MAX_VALUE, Integer.MAX_VALUE + 1L,
            1L << 40, Long.MAX_VALUE, Long.MIN_VALUE};

    /**
     * Rewrites one varint of the container's only block (codec null): the record count or byte size before the
     * block, the first string's length at the start of the record, or the length before a stamp's bytes.
     */
    private static byte[] varint(byte[] in, Random rnd, StringBuilder d) {
        Parsed p = parse(in);
        // the container header: magic, metadata map blocks (count, then key/value strings), sync marker
        long[] at = {4};
        for (long n = readVarint(in, at); n != 0; n = readVarint(in, at)) {
            if (n < 0) {
                n = -n;
                readVarint(in, at);
            }
            for (long i = 0; i < 2 * n; i++) {
                long len = readVarint(in, at);
                at[0] += len;
            }
        }
        at[0] += 16;
        int countStart = (int) at[0];
        readVarint(in, at);
        int sizeStart = (int) at[0];
        readVarint(in, at);
        int data = (int) at[0];
        int k = rnd.nextInt(BAD_LENGTHS.length);
        long value = BAD_LENGTHS[k];
        int target = rnd.nextInt(5);
        if (target == 4) {
            // the block grown by a few garbage bytes after its record, its size varint grown to match: the sync
            // marker is where it should be, but the record no longer fills the block
            long size = readVarint(in, new long[] {sizeStart});
            byte[] pad = new byte[1 + rnd.nextInt(16)];
            rnd.nextBytes(pad);
            int blockEnd = (int) (data + size);
            d.append("block of ").append(size).append(" bytes padded with ").append(pad.length).append(" bytes");
            ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 32);
            out.write(in, 0, sizeStart);
            writeVarint(out, size + pad.length);
            out.write(in, data, blockEnd - data);
            out.writeBytes(pad);
            out.write(in, blockEnd, in.length - blockEnd);
            return out.toByteArray();
        }
        int start;
        int end;
        String what;
        if (target < 2) {
            // the block header before the data: count varint, then size varint; walk back over them
            start = target == 0 ? countStart : sizeStart;
            end = target == 0 ? sizeStart : data;
            what = target == 0 ? "block record count" : "block byte size";
        } else if (target == 2) {
            start = data;
            end = data + varintLength(in, data);
            what = "first varint of the record (ZTF: a string length; Rubin: a union branch)";
        } else {
            ByteBuffer stamp = anyStamp(p.record(), rnd);
            if (stamp == null) {
                start = data;
                end = data + varintLength(in, data);
                what = "first field's length (no stamp)";
            } else {
                byte[] s = new byte[stamp.remaining()];
                stamp.duplicate().get(s);
                int stampAt = indexOf(in, Arrays.copyOf(s, Math.min(s.length, 64)), data);
                end = stampAt;
                start = stampAt - varint(s.length).length;
                what = "stamp length";
            }
        }
        byte[] old = Arrays.copyOfRange(in, start, end);
        while (Arrays.equals(old, varint(value))) {
            // never a no-op: the next bad value instead of the one already there
            k = (k + 1) % BAD_LENGTHS.length;
            value = BAD_LENGTHS[k];
        }
        d.append(what).append(" at ").append(start).append(" -> ").append(value);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 10);
        out.write(in, 0, start);
        writeVarint(out, value);
        out.write(in, end, in.length - end);
        return out.toByteArray();
    }

    /** A stamp mutation: decodes the alert, damages one cutout's bytes, re-encodes with the writer schema. */
    @FunctionalInterface
    private interface StampMutation {
        byte[] apply(byte[] stamp, Random rnd, StringBuilder d);
    }

    private static byte[] stamp(byte[] alert, Random rnd, StringBuilder d, StampMutation m) {
        Parsed p = parse(alert);
        String cutout = cutout(rnd);
        byte[] s = stampBytes(p.record(), cutout);
        d.append(cutout).append(": ");
        if (s == null) {
            d.append("absent, bits flipped instead: ");
            return bitFlip(alert, rnd, d);
        }
        setStamp(p.record(), cutout, m.apply(s, rnd, d));
        return write(p);
    }

    private byte[] gzip(byte[] stamp, Random rnd, StringBuilder d) {
        boolean gz = stamp.length > 2 && (stamp[0] & 0xff) == 0x1f && (stamp[1] & 0xff) == 0x8b;
        byte[] g = gz ? stamp : gzip(stamp);
        if (!gz) {
            d.append("(plain FITS gzipped first) ");
        }
        byte[] b = g.clone();
        switch (rnd.nextInt(8)) {
            case 0 -> {
                b[rnd.nextInt(2)] ^= (byte) (1 + rnd.nextInt(255));
                d.append("magic damaged");
            }
            case 1 -> {
                b[2] = (byte) rnd.nextInt(256);
                d.append("method ").append(b[2] & 0xff);
            }
            case 2 -> {
                b[3] = (byte) (1 << rnd.nextInt(8));
                d.append("flags ").append(b[3] & 0xff);
            }
            case 3 -> {
                int pos = 10 + rnd.nextInt(b.length - 18);
                b[pos] ^= (byte) (1 + rnd.nextInt(255));
                d.append("deflate byte ").append(pos);
            }
            case 4 -> {
                int pos = b.length - 1 - rnd.nextInt(8);
                b[pos] ^= (byte) (1 + rnd.nextInt(255));
                d.append("trailer byte ").append(pos).append(pos >= b.length - 4 ? " (ISIZE)" : " (CRC)");
            }
            case 5 -> {
                int len = rnd.nextInt(b.length);
                b = Arrays.copyOf(b, len);
                d.append("cut to ").append(len);
            }
            case 6 -> {
                byte[] garbage = new byte[1 + rnd.nextInt(100)];
                rnd.nextBytes(garbage);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes(b);
                out.writeBytes(garbage);
                b = out.toByteArray();
                d.append(garbage.length).append(" garbage bytes appended");
            }
            default -> {
                // the gzip of the FITS file with the END card removed: inflates fine, header never ends
                byte[] fits = gz ? gunzip(g) : stamp;
                b = gzip(removeEnd(fits));
                d.append("END removed inside a valid gzip");
            }
        }
        return b;
    }

    private static final String[][] CARD_EDITS = {
            {"SIMPLE", "F"}, {"SIMPLE", "'yes'"}, {"BITPIX", "8"}, {"BITPIX", "16"}, {"BITPIX", "64"},
            {"BITPIX", "-64"}, {"BITPIX", "0"}, {"BITPIX", "7"}, {"BITPIX", "'x'"}, {"NAXIS", "0"}, {"NAXIS", "1"},
            {"NAXIS", "3"}, {"NAXIS", "999"}, {"NAXIS", "-1"}, {"NAXIS1", "0"}, {"NAXIS1", "-63"},
            {"NAXIS1", "100000"}, {"NAXIS1", "2147483648"}, {"NAXIS1", "1"}, {"NAXIS2", "0"}, {"NAXIS2", "1000000"},
            {"NAXIS2", "9999999999999999999"}, {"NAXIS2", "2.5"}, {"BSCALE", "0"}, {"BSCALE", "NaN"},
            {"BSCALE", "1E308"}, {"BSCALE", "'abc'"}, {"BZERO", "1E308"}, {"BZERO", "-Infinity"}, {"END", null}};

    private static byte[] fitsHeader(byte[] stamp, Random rnd, StringBuilder d) {
        boolean gz = stamp.length > 2 && (stamp[0] & 0xff) == 0x1f && (stamp[1] & 0xff) == 0x8b;
        byte[] fits = gz ? gunzip(stamp) : stamp.clone();
        String[] edit = CARD_EDITS[rnd.nextInt(CARD_EDITS.length)];
        byte[] edited;
        if (edit[1] == null) {
            edited = removeEnd(fits);
            d.append("END removed");
        } else {
            edited = setCard(fits, edit[0], edit[1]);
            d.append(edit[0]).append(" = ").append(edit[1]);
        }
        return gz ? gzip(edited) : edited;
    }

    /** Sets (or, when absent, inserts before END) the card {@code key = value} of the primary header. */
    private static byte[] setCard(byte[] fits, String key, String value) {
        String card = String.format("%-8s= %20s", key, value);
        card = String.format("%-80s", card).substring(0, 80);
        int end = cardIndex(fits, "END");
        int at = cardIndex(fits, key);
        byte[] b = fits.clone();
        if (at >= 0 && (end < 0 || at < end)) {
            System.arraycopy(card.getBytes(StandardCharsets.US_ASCII), 0, b, at, 80);
            return b;
        }
        if (end < 0) {
            return b;
        }
        // no such card: put it where END is and END after it (the header block has blank cards to spare or not)
        System.arraycopy(card.getBytes(StandardCharsets.US_ASCII), 0, b, end, 80);
        if (end + 160 <= b.length) {
            System.arraycopy(String.format("%-80s", "END").getBytes(StandardCharsets.US_ASCII), 0, b, end + 80, 80);
        }
        return b;
    }

    private static byte[] removeEnd(byte[] fits) {
        int end = cardIndex(fits, "END");
        byte[] b = fits.clone();
        if (end >= 0) {
            Arrays.fill(b, end, end + 3, (byte) ' ');
        }
        return b;
    }

    /** @return the offset of the first 80-byte card of the first HDU with this keyword, or -1 */
    private static int cardIndex(byte[] fits, String key) {
        byte[] k = String.format("%-8s", key).getBytes(StandardCharsets.US_ASCII);
        for (int off = 0; off + 80 <= fits.length && off < 2880 * 40; off += 80) {
            boolean match = true;
            for (int i = 0; i < 8 && match; i++) {
                match = fits[off + i] == k[i];
            }
            if (match) {
                return off;
            }
        }
        return -1;
    }

    private static byte[] hugeString(byte[] alert, Random rnd, StringBuilder d) {
        Parsed p = parse(alert);
        String huge = "Z".repeat(HUGE - 1) + (char) ('A' + rnd.nextInt(26));
        GenericRecord r = p.record();
        if (r.getSchema().getField("objectId") != null && r.getSchema().getField("candidate") != null) {
            // ZTF
            if (rnd.nextBoolean()) {
                r.put("objectId", huge);
                d.append("objectId of ").append(HUGE).append(" chars");
            } else {
                r.put("publisher", huge);
                d.append("publisher (not read) of ").append(HUGE).append(" chars");
            }
        } else if (r.getSchema().getField("diaSource") != null && r.get("diaSource") instanceof GenericRecord src
                && src.getSchema().getField("band") != null && rnd.nextBoolean()) {
            src.put("band", huge);
            d.append("diaSource.band of ").append(HUGE).append(" chars");
        } else if (r.getSchema().getField("observation_reason") != null) {
            r.put("observation_reason", huge);
            d.append("observation_reason (not read) of ").append(HUGE).append(" chars");
        } else {
            d.append("no string field found, truncated instead");
            return Arrays.copyOf(alert, alert.length / 2);
        }
        return write(p);
    }

    private byte[] hugeStamp(byte[] alert, Random rnd, StringBuilder d) {
        Parsed p = parse(alert);
        String cutout = cutout(rnd);
        byte[] s = stampBytes(p.record(), cutout);
        d.append(cutout).append(": ");
        if (s == null) {
            s = stampBytes(p.record(), "cutoutTemplate");
        }
        switch (rnd.nextInt(8)) {
            case 0 -> {
                if (bomb == null) {
                    bomb = HostileInputs.gzipBomb();
                }
                setStamp(p.record(), cutout, bomb);
                d.append("gzip bomb (1 GiB declared and inflated)");
            }
            case 1 -> {
                byte[] g = new byte[4 << 20];
                rnd.nextBytes(g);
                setStamp(p.record(), cutout, g);
                d.append("4 MiB of random bytes");
            }
            case 2, 3 -> {
                if (s == null) {
                    d.append("no stamp");
                    break;
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes(s);
                out.writeBytes(s);
                setStamp(p.record(), cutout, out.toByteArray());
                d.append("stamp bytes twice (two gzip members or a second HDU-less copy)");
            }
            case 4, 5 -> {
                if (s == null) {
                    d.append("no stamp");
                    break;
                }
                for (String c : CUTOUTS) {
                    setStamp(p.record(), c, s);
                }
                d.append("the same stamp in every cutout");
            }
            default -> {
                if (s == null) {
                    d.append("no stamp");
                    break;
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (int i = 0; i < 40; i++) {
                    out.writeBytes(s);
                }
                setStamp(p.record(), cutout, out.toByteArray());
                d.append("stamp bytes 40 times");
            }
        }
        return write(p);
    }

    // ---- Avro helpers

    private record Parsed(Schema schema, GenericRecord record) {
    }

    private static Parsed parse(byte[] alert) {
        try (DataFileStream<GenericRecord> in = new DataFileStream<>(new ByteArrayInputStream(alert),
                new GenericDatumReader<>())) {
            return new Parsed(in.getSchema(), in.next());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] write(Parsed p) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(p.schema()))) {
                w.create(p.schema(), bos);
                w.append(p.record());
            }
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long readVarint(byte[] b, long[] at) {
        long n = 0;
        int shift = 0;
        int c;
        do {
            c = b[(int) at[0]++] & 0xff;
            n |= (long) (c & 0x7f) << shift;
            shift += 7;
        } while ((c & 0x80) != 0);
        return (n >>> 1) ^ -(n & 1);
    }

    /** @return the stamp bytes of a cutout: ZTF record {@code {fileName, stampData}} or Rubin plain bytes; or null */
    private static byte[] stampBytes(GenericRecord r, String cutout) {
        if (r.getSchema().getField(cutout) == null) {
            return null;
        }
        Object v = r.get(cutout);
        if (v instanceof GenericRecord c) {
            v = c.get("stampData");
        }
        if (v instanceof ByteBuffer bb) {
            byte[] b = new byte[bb.remaining()];
            bb.duplicate().get(b);
            return b;
        }
        return null;
    }

    private static void setStamp(GenericRecord r, String cutout, byte[] bytes) {
        if (r.getSchema().getField(cutout) == null) {
            return;
        }
        Object v = r.get(cutout);
        if (v instanceof GenericRecord c) {
            c.put("stampData", ByteBuffer.wrap(bytes));
        } else if (v != null || isBytes(r.getSchema().getField(cutout).schema())) {
            r.put(cutout, ByteBuffer.wrap(bytes));
        }
    }

    private static boolean isBytes(Schema s) {
        if (s.getType() == Schema.Type.BYTES) {
            return true;
        }
        return s.getType() == Schema.Type.UNION && s.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.BYTES);
    }

    /**
     * @return two times in three the template cutout (the one the default channel mapping reads for ZTF and Rubin,
     *         ChannelMapping.defaults()), else any cutout
     */
    private static String cutout(Random rnd) {
        return rnd.nextInt(3) == 0 ? CUTOUTS[rnd.nextInt(CUTOUTS.length)] : "cutoutTemplate";
    }

    private static ByteBuffer anyStamp(GenericRecord r, Random rnd) {
        byte[] s = stampBytes(r, cutout(rnd));
        if (s == null) {
            s = stampBytes(r, "cutoutScience");
        }
        return s == null ? null : ByteBuffer.wrap(s);
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeVarint(out, value);
        return out.toByteArray();
    }

    private static int varintLength(byte[] b, int start) {
        int i = start;
        while (i < b.length && (b[i] & 0x80) != 0) {
            i++;
        }
        return i - start + 1;
    }

    private static void writeVarint(ByteArrayOutputStream out, long value) {
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7FL) != 0) {
            out.write((int) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        out.write((int) n);
    }

    private static byte[] gzip(byte[] b) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream z = new GZIPOutputStream(out)) {
                z.write(b);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gunzip(byte[] b) {
        try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(b))) {
            return z.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
