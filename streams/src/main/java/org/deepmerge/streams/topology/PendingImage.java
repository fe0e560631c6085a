package org.deepmerge.streams.topology;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import org.deepmerge.core.morphology.MorphologyFlag;
import org.deepmerge.core.morphology.MorphologyMeasurement;
import org.deepmerge.core.morphology.MorphologyResult;

/**
 * One preprocessed image waiting in the changelogged batch buffer, and its compact, lossless byte encoding
 * (the value of the buffer store and so of its changelog topic).
 *
 * <p>Encoding v6: version byte 6; record timestamp (ms); enqueue wall-clock time (ms); the input record's topic,
 * partition and offset ({@link Source}); ids, position, epoch, band count (int), bands and the incomplete flag, every
 * string as a 4-byte big-endian byte count and that many bytes of standard UTF-8 (so any string the Avro schemas
 * allow, which {@code DataOutput.writeUTF} and its 65,535-byte cap did not); a morphology flag byte (1 when the input
 * carries a {@link MorphologyMeasurement}) and then the measurement: band, grid pixel scale (double), flag name, the 12
 * double values of {@link MorphologyResult} in component order, its segment pixel count (int) and its S/N per pixel
 * (double), about 150 bytes instead of a second image; the image's value count {@code n}; the plane count {@code P}
 * (the number of bands when it divides {@code n}, else 1) and, per plane, the index of the plane it repeats (its own
 * index when it is stored); then the stored planes of the {@code [C,H,W]} float32 image, in order, as their IEEE-754
 * bits, byte-shuffled (all first bytes, then all second bytes, ...: the Blosc/HDF5 shuffle filter) and compressed
 * as one LZ4 block (lz4-java, the library Kafka's own lz4 compression uses). A plane is a repeat when its bits equal
 * an earlier plane's: a single-band ZTF or Rubin alert fills all model channels with the same stamp, so only one of
 * three planes is shuffled and compressed. Shuffling groups the slowly varying exponent bytes together, which
 * compresses astronomical images far better; the round trip is bit-exact, so the scorer sees exactly what
 * preprocessing produced. v5 (v6 without the S/N per pixel, read as NaN), v4 (v5 without the morphology flag and
 * measurement), v3 (v4 without the source location, strings and the band count (short) written by
 * {@code DataOutput.writeUTF} / {@code writeShort}), v2 (v3's strings, all planes stored, no plane table) and v1
 * (v2 with deflate instead of LZ4) are still read, so a buffer changelog written by an earlier version restores; LZ4
 * replaced deflate because deflating each 67.5 KB image took ~1.2 ms of stream-thread CPU per alert, more than decoding the alert (docs/benchmarks.md).
 *
 * @param input           the preprocessed alert
 * @param recordTimestamp the input record's timestamp (ms since epoch); the score is forwarded with it
 * @param enqueuedWallMs  wall-clock time (ms) the image entered the buffer; drives the max-wait flush
 * @param source          where the input record was read, so a dead letter written after scoring (an invalid model
 *                        output) can point at the original; {@link Source#UNKNOWN} for entries restored from v1-v3
 */
public record PendingImage(PreparedInput input, long recordTimestamp, long enqueuedWallMs, Source source) {

    /**
     * The input record's location.
     *
     * @param topic     input topic; empty when unknown
     * @param partition input partition, -1 when unknown
     * @param offset    input offset, -1 when unknown
     */
    public record Source(String topic, int partition, long offset) {
        /** An unknown location (entries written before v4, punctuation-made images). */
        public static final Source UNKNOWN = new Source("", -1, -1L);

        public Source {
            topic = topic == null ? "" : topic;
        }
    }

    public PendingImage {
        source = source == null ? Source.UNKNOWN : source;
    }

    /**
     * A pending image whose input location is unknown.
     *
     * @param input           the preprocessed alert
     * @param recordTimestamp the input record's timestamp (ms since epoch)
     * @param enqueuedWallMs  wall-clock time (ms) the image entered the buffer
     */
    public PendingImage(PreparedInput input, long recordTimestamp, long enqueuedWallMs) {
        this(input, recordTimestamp, enqueuedWallMs, Source.UNKNOWN);
    }

    private static final byte VERSION_DEFLATE = 1;
    private static final byte VERSION_ALL_PLANES = 2;
    private static final byte VERSION_PLANE_TABLE = 3;
    private static final byte VERSION_SOURCE = 4;
    private static final byte VERSION_MORPHOLOGY = 5;
    private static final byte VERSION = 6;
    private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();
    /** Largest image accepted when decoding, values (a sanity bound against a corrupt store entry). */
    private static final int MAX_PIXELS = 1 << 26;
    /** Per thread: the shuffled bytes (encode and decode) and the compressed block (encode). */
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[0]);
    private static final ThreadLocal<byte[]> BLOCK = ThreadLocal.withInitial(() -> new byte[0]);

    /** @return the encoded bytes (store value) */
    public byte[] encode() {
        try {
            float[] img = input.image();
            ByteArrayOutputStream bos = new ByteArrayOutputStream(256 + img.length * 4 / 8);
            DataOutputStream out = new DataOutputStream(bos);
            out.writeByte(VERSION);
            out.writeLong(recordTimestamp);
            out.writeLong(enqueuedWallMs);
            writeString(out, source.topic());
            out.writeInt(source.partition());
            out.writeLong(source.offset());
            writeString(out, input.sourceId());
            out.writeBoolean(input.objectId() != null);
            if (input.objectId() != null) {
                writeString(out, input.objectId());
            }
            writeString(out, input.survey());
            out.writeDouble(input.ra());
            out.writeDouble(input.dec());
            out.writeDouble(input.epochMjd());
            out.writeInt(input.bands().size());
            for (String b : input.bands()) {
                writeString(out, b);
            }
            out.writeBoolean(input.incomplete());
            writeMorphology(out, input.morphology());
            out.writeInt(img.length);
            int planes = planes(img.length, input.bands().size());
            byte[] source = repeats(img, planes);
            out.writeByte(planes);
            out.write(source);
            out.flush();
            int prefix = storedPrefix(img.length, source);
            float[] stored = prefix >= 0 ? img : storedPlanes(img, source);
            int values = prefix >= 0 ? prefix : stored.length;
            byte[] shuffled = scratch(SCRATCH, values * 4);
            shuffle(stored, values, shuffled);
            LZ4Compressor lz4 = LZ4.fastCompressor();
            byte[] block = scratch(BLOCK, lz4.maxCompressedLength(values * 4));
            int compressedLength = lz4.compress(shuffled, 0, values * 4, block, 0, block.length);
            out.writeInt(compressedLength);
            out.write(block, 0, compressedLength);
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static void writeMorphology(DataOutputStream out, MorphologyMeasurement m) throws IOException {
        out.writeBoolean(m != null);
        if (m == null) {
            return;
        }
        MorphologyResult r = m.result();
        writeString(out, m.band());
        out.writeDouble(m.pixelScaleArcsec());
        writeString(out, r.flag().name());
        for (double d : new double[] {r.concentration(), r.asymmetry(), r.gini(), r.m20(), r.giniM20Merger(),
                r.giniM20Bulge(), r.halfLightRadiusArcsec(), r.petrosianRadiusArcsec(), r.r20Arcsec(), r.r80Arcsec(),
                r.centreX(), r.centreY()}) {
            out.writeDouble(d);
        }
        out.writeInt(r.segmentPixels());
        out.writeDouble(r.snPerPixel());
    }

    private static MorphologyMeasurement readMorphology(DataInputStream in, ByteArrayInputStream raw, boolean v6)
            throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        String band = readString(in, raw);
        double scale = in.readDouble();
        String flag = readString(in, raw);
        MorphologyFlag f;
        try {
            f = MorphologyFlag.valueOf(flag);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("batch buffer entry has unknown morphology flag " + flag, e);
        }
        double[] d = new double[12];
        for (int i = 0; i < d.length; i++) {
            d[i] = in.readDouble();
        }
        int segmentPixels = in.readInt();
        double snPerPixel = v6 ? in.readDouble() : Double.NaN;
        return new MorphologyMeasurement(band, scale, new MorphologyResult(f, d[0], d[1], d[2], d[3], d[4], d[5], d[6],
                d[7], d[8], d[9], d[10], d[11], segmentPixels, snPerPixel));
    }

    /** A v4-v6 string: an int byte count, bounded by what is left of the entry, then UTF-8. */
    private static String readString(DataInputStream in, ByteArrayInputStream raw) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > raw.available()) {
            throw new IllegalStateException("batch buffer entry declares a string of " + n + " bytes but "
                    + raw.available() + " remain");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Planes of an image of {@code n} values with {@code bands} channels: the bands when they divide n, else 1. */
    private static int planes(int n, int bands) {
        return bands >= 1 && bands <= Byte.MAX_VALUE && n % bands == 0 && n > 0 ? bands : 1;
    }

    /** Per plane, the first plane with the same bits (itself when none before it has). */
    static byte[] repeats(float[] img, int planes) {
        byte[] source = new byte[planes];
        int size = img.length / planes;
        for (int p = 0; p < planes; p++) {
            source[p] = (byte) p;
            for (int q = 0; q < p; q++) {
                if (source[q] == q && samePlane(img, q * size, p * size, size)) {
                    source[p] = (byte) q;
                    break;
                }
            }
        }
        return source;
    }

    private static boolean samePlane(float[] img, int a, int b, int size) {
        for (int i = 0; i < size; i++) {
            if (Float.floatToRawIntBits(img[a + i]) != Float.floatToRawIntBits(img[b + i])) {
                return false;
            }
        }
        return true;
    }

    /** Values of the stored planes when they are the image's first planes, else -1. */
    private static int storedPrefix(int n, byte[] source) {
        int size = n / source.length;
        int k = 0;
        while (k < source.length && source[k] == k) {
            k++;
        }
        for (int p = k; p < source.length; p++) {
            if (source[p] == p) {
                return -1;
            }
        }
        return k * size;
    }

    /** A copy of just the stored planes, in order (when they are not the image's first planes). */
    private static float[] storedPlanes(float[] img, byte[] source) {
        int size = img.length / source.length;
        int k = 0;
        float[] stored = new float[img.length];
        for (int p = 0; p < source.length; p++) {
            if (source[p] == p) {
                System.arraycopy(img, p * size, stored, k++ * size, size);
            }
        }
        return Arrays.copyOf(stored, k * size);
    }

    /**
     * @param bytes a value written by {@link #encode()}
     * @return the pending image
     * @throws IllegalStateException when the bytes are not a v1-v6 pending image (a corrupt store is a fault)
     */
    public static PendingImage decode(byte[] bytes) {
        try {
            ByteArrayInputStream raw = new ByteArrayInputStream(bytes);
            DataInputStream in = new DataInputStream(raw);
            byte v = in.readByte();
            if (v < VERSION_DEFLATE || v > VERSION) {
                throw new IllegalStateException("batch buffer entry has unknown encoding version " + v);
            }
            boolean v4 = v >= VERSION_SOURCE;
            long ts = in.readLong();
            long wall = in.readLong();
            Source location = v4 ? new Source(readString(in, raw), in.readInt(), in.readLong()) : Source.UNKNOWN;
            String sourceId = v4 ? readString(in, raw) : in.readUTF();
            String objectId = in.readBoolean() ? (v4 ? readString(in, raw) : in.readUTF()) : null;
            String survey = v4 ? readString(in, raw) : in.readUTF();
            double ra = in.readDouble();
            double dec = in.readDouble();
            double epoch = in.readDouble();
            int nb = v4 ? in.readInt() : in.readShort();
            if (nb < 0 || nb > raw.available()) {
                throw new IllegalStateException("batch buffer entry declares " + nb + " bands");
            }
            List<String> bands = new ArrayList<>(nb);
            for (int i = 0; i < nb; i++) {
                bands.add(v4 ? readString(in, raw) : in.readUTF());
            }
            boolean incomplete = in.readBoolean();
            MorphologyMeasurement morphology = v >= VERSION_MORPHOLOGY ? readMorphology(in, raw, v == VERSION) : null;
            int n = in.readInt();
            if (n < 0 || n > MAX_PIXELS) {
                throw new IllegalStateException("batch buffer entry declares " + n + " pixels");
            }
            byte[] source = {0};
            if (v >= VERSION_PLANE_TABLE) {
                int planes = in.readUnsignedByte();
                if (planes < 1 || n % planes != 0) {
                    throw new IllegalStateException("batch buffer entry declares " + planes + " planes for " + n
                            + " values");
                }
                source = new byte[planes];
                in.readFully(source);
                for (int p = 0; p < planes; p++) {
                    if (source[p] < 0 || source[p] > p || source[source[p]] != source[p]) {
                        throw new IllegalStateException("batch buffer entry plane " + p + " repeats plane " + source[p]
                                + ", which is not a stored plane before it");
                    }
                }
            }
            int size = n / source.length;
            int stored = 0;
            for (int p = 0; p < source.length; p++) {
                stored += source[p] == p ? size : 0;
            }
            int compressedLength = in.readInt();
            int at = bytes.length - raw.available();
            if (compressedLength < 0 || compressedLength > bytes.length - at) {
                throw new IllegalStateException("batch buffer entry declares " + compressedLength
                        + " compressed bytes but " + (bytes.length - at) + " follow");
            }
            byte[] shuffled = v == VERSION_DEFLATE ? inflate(Arrays.copyOfRange(bytes, at, at + compressedLength), n * 4)
                    : unlz4(bytes, at, compressedLength, stored * 4);
            float[] img = expand(unshuffle(shuffled, stored), source, n);
            return new PendingImage(new PreparedInput(sourceId, objectId, survey, ra, dec, epoch, bands, incomplete, img,
                    morphology), ts, wall, location);
        } catch (IOException | DataFormatException | LZ4Exception e) {
            throw new IllegalStateException("corrupt batch buffer entry: " + e.getMessage(), e);
        }
    }

    /** The image of {@code n} values from its stored planes (in order) and the plane table. */
    private static float[] expand(float[] stored, byte[] source, int n) {
        if (stored.length == n) {
            return stored;
        }
        int size = n / source.length;
        float[] img = new float[n];
        int k = 0;
        for (int p = 0; p < source.length; p++) {
            if (source[p] == p) {
                System.arraycopy(stored, k++ * size, img, p * size, size);
            } else {
                System.arraycopy(img, source[p] * size, img, p * size, size);
            }
        }
        return img;
    }

    /** This thread's reusable buffer of at least {@code size} bytes. */
    private static byte[] scratch(ThreadLocal<byte[]> buffer, int size) {
        byte[] b = buffer.get();
        if (b.length < size) {
            b = new byte[size];
            buffer.set(b);
        }
        return b;
    }

    /**
     * Byte shuffle of the IEEE-754 bits of {@code img[0 .. n)} into {@code out[0 .. 4n)}: byte plane p (most
     * significant byte first) holds byte p of every value, in order.
     */
    static void shuffle(float[] img, int n, byte[] out) {
        for (int plane = 0; plane < 4; plane++) {
            int shift = 24 - 8 * plane;
            int base = plane * n;
            for (int i = 0; i < n; i++) {
                out[base + i] = (byte) (Float.floatToRawIntBits(img[i]) >>> shift);
            }
        }
    }

    /** The inverse of {@link #shuffle}: {@code n} values from the planes in {@code b[0 .. 4n)}. */
    static float[] unshuffle(byte[] b, int n) {
        float[] img = new float[n];
        for (int i = 0; i < n; i++) {
            int bits = (b[i] & 0xff) << 24 | (b[n + i] & 0xff) << 16 | (b[2 * n + i] & 0xff) << 8 | (b[3 * n + i] & 0xff);
            img[i] = Float.intBitsToFloat(bits);
        }
        return img;
    }

    private static byte[] unlz4(byte[] entry, int offset, int length, int size) {
        byte[] out = scratch(SCRATCH, size);
        int read = LZ4.safeDecompressor().decompress(entry, offset, length, out, 0, size);
        if (read != size) {
            throw new LZ4Exception("image decompressed to " + read + " bytes, expected " + size);
        }
        return out;
    }

    private static byte[] inflate(byte[] deflated, int size) throws DataFormatException {
        Inflater inf = new Inflater();
        try {
            inf.setInput(deflated);
            byte[] out = new byte[size];
            int off = 0;
            while (off < size && !inf.finished()) {
                int k = inf.inflate(out, off, size - off);
                if (k == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                off += k;
            }
            if (off != size) {
                throw new DataFormatException("image inflated to " + off + " bytes, expected " + size);
            }
            return out;
        } finally {
            inf.end();
        }
    }
}
