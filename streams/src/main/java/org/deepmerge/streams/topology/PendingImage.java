package org.deepmerge.streams.topology;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;

/**
 * One preprocessed image waiting in the changelogged batch buffer, and its compact, lossless byte encoding
 * (the value of the buffer store and so of its changelog topic).
 *
 * <p>Encoding v2: version byte 2; record timestamp (ms); enqueue wall-clock time (ms); ids, position, epoch,
 * bands and the incomplete flag (DataOutput); then the {@code [C,H,W]} float32 image as its IEEE-754 bits,
 * byte-shuffled (all first bytes, then all second bytes, ...: the Blosc/HDF5 shuffle filter) and compressed as
 * one LZ4 block (lz4-java, the library Kafka's own lz4 compression uses). Shuffling groups the slowly varying
 * exponent bytes together, which compresses astronomical images far better; the round trip is bit-exact, so the
 * scorer sees exactly what preprocessing produced. v1 (the same with deflate instead of LZ4) is still read, so a
 * buffer changelog written by an earlier version restores; LZ4 replaced deflate because deflating each 67.5 KB
 * image took ~1.2 ms of stream-thread CPU per alert, more than decoding the alert (docs/benchmarks.md).
 *
 * @param input           the preprocessed alert
 * @param recordTimestamp the input record's timestamp (ms since epoch); the score is forwarded with it
 * @param enqueuedWallMs  wall-clock time (ms) the image entered the buffer; drives the max-wait flush
 */
public record PendingImage(PreparedInput input, long recordTimestamp, long enqueuedWallMs) {

    private static final byte VERSION_DEFLATE = 1;
    private static final byte VERSION = 2;
    private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();
    /** Largest image accepted when decoding, values (a sanity bound against a corrupt store entry). */
    private static final int MAX_PIXELS = 1 << 26;
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[0]);

    /** @return the encoded bytes (store value) */
    public byte[] encode() {
        try {
            float[] img = input.image();
            ByteArrayOutputStream bos = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(bos);
            out.writeByte(VERSION);
            out.writeLong(recordTimestamp);
            out.writeLong(enqueuedWallMs);
            out.writeUTF(input.sourceId());
            out.writeBoolean(input.objectId() != null);
            if (input.objectId() != null) {
                out.writeUTF(input.objectId());
            }
            out.writeUTF(input.survey());
            out.writeDouble(input.ra());
            out.writeDouble(input.dec());
            out.writeDouble(input.epochMjd());
            out.writeShort(input.bands().size());
            for (String b : input.bands()) {
                out.writeUTF(b);
            }
            out.writeBoolean(input.incomplete());
            out.writeInt(img.length);
            out.flush();
            byte[] shuffled = scratch(img.length * 4);
            shuffle(img, shuffled);
            LZ4Compressor lz4 = LZ4.fastCompressor();
            int header = bos.size();
            byte[] entry = new byte[header + 4 + lz4.maxCompressedLength(img.length * 4)];
            System.arraycopy(bos.toByteArray(), 0, entry, 0, header);
            int compressedLength = lz4.compress(shuffled, 0, img.length * 4, entry, header + 4, entry.length - header - 4);
            INTS.set(entry, header, compressedLength);
            return Arrays.copyOf(entry, header + 4 + compressedLength);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param bytes a value written by {@link #encode()}
     * @return the pending image
     * @throws IllegalStateException when the bytes are not a v1 or v2 pending image (a corrupt store is a fault)
     */
    public static PendingImage decode(byte[] bytes) {
        try {
            ByteArrayInputStream raw = new ByteArrayInputStream(bytes);
            DataInputStream in = new DataInputStream(raw);
            byte v = in.readByte();
            if (v != VERSION && v != VERSION_DEFLATE) {
                throw new IllegalStateException("batch buffer entry has unknown encoding version " + v);
            }
            long ts = in.readLong();
            long wall = in.readLong();
            String sourceId = in.readUTF();
            String objectId = in.readBoolean() ? in.readUTF() : null;
            String survey = in.readUTF();
            double ra = in.readDouble();
            double dec = in.readDouble();
            double epoch = in.readDouble();
            int nb = in.readShort();
            List<String> bands = new ArrayList<>(nb);
            for (int i = 0; i < nb; i++) {
                bands.add(in.readUTF());
            }
            boolean incomplete = in.readBoolean();
            int n = in.readInt();
            int compressedLength = in.readInt();
            int at = bytes.length - raw.available();
            if (n < 0 || n > MAX_PIXELS) {
                throw new IllegalStateException("batch buffer entry declares " + n + " pixels");
            }
            if (compressedLength < 0 || compressedLength > bytes.length - at) {
                throw new IllegalStateException("batch buffer entry declares " + compressedLength
                        + " compressed bytes but " + (bytes.length - at) + " follow");
            }
            byte[] shuffled = v == VERSION ? unlz4(bytes, at, compressedLength, n * 4)
                    : inflate(Arrays.copyOfRange(bytes, at, at + compressedLength), n * 4);
            float[] img = unshuffle(shuffled, n);
            return new PendingImage(new PreparedInput(sourceId, objectId, survey, ra, dec, epoch, bands, incomplete, img),
                    ts, wall);
        } catch (IOException | DataFormatException | LZ4Exception e) {
            throw new IllegalStateException("corrupt batch buffer entry: " + e.getMessage(), e);
        }
    }

    /** This thread's reusable shuffle buffer of at least {@code size} bytes. */
    private static byte[] scratch(int size) {
        byte[] b = SCRATCH.get();
        if (b.length < size) {
            b = new byte[size];
            SCRATCH.set(b);
        }
        return b;
    }

    /**
     * Byte shuffle of the IEEE-754 bits into {@code out[0 .. 4n)}: plane p (most significant byte first) holds byte p
     * of every value, in order.
     */
    static void shuffle(float[] img, byte[] out) {
        int n = img.length;
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
        byte[] out = scratch(size);
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
