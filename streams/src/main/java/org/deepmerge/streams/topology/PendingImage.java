package org.deepmerge.streams.topology;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * One preprocessed image waiting in the changelogged batch buffer, and its compact, lossless byte encoding
 * (the value of the buffer store and so of its changelog topic).
 *
 * <p>Encoding v1: version byte 1; record timestamp (ms); enqueue wall-clock time (ms); ids, position, epoch,
 * bands and the incomplete flag (DataOutput); then the {@code [C,H,W]} float32 image as its IEEE-754 bits,
 * byte-shuffled (all first bytes, then all second bytes, ...: the Blosc/HDF5 shuffle filter) and deflated.
 * Shuffling groups the slowly varying exponent bytes together, which roughly halves the deflated size of
 * astronomical images; the round trip is bit-exact, so the scorer sees exactly what preprocessing produced.
 *
 * @param input           the preprocessed alert
 * @param recordTimestamp the input record's timestamp (ms since epoch); the score is forwarded with it
 * @param enqueuedWallMs  wall-clock time (ms) the image entered the buffer; drives the max-wait flush
 */
public record PendingImage(PreparedInput input, long recordTimestamp, long enqueuedWallMs) {

    private static final byte VERSION = 1;

    /** @return the encoded bytes (store value) */
    public byte[] encode() {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream(4096);
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
            float[] img = input.image();
            byte[] deflated = deflate(shuffle(img));
            out.writeInt(img.length);
            out.writeInt(deflated.length);
            out.write(deflated);
            out.flush();
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param bytes a value written by {@link #encode()}
     * @return the pending image
     * @throws IllegalStateException when the bytes are not a v1 pending image (a corrupt store is a fault)
     */
    public static PendingImage decode(byte[] bytes) {
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
            byte v = in.readByte();
            if (v != VERSION) {
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
            byte[] deflated = new byte[in.readInt()];
            in.readFully(deflated);
            float[] img = unshuffle(inflate(deflated, n * 4), n);
            return new PendingImage(new PreparedInput(sourceId, objectId, survey, ra, dec, epoch, bands, incomplete, img),
                    ts, wall);
        } catch (IOException | DataFormatException e) {
            throw new IllegalStateException("corrupt batch buffer entry: " + e.getMessage(), e);
        }
    }

    private static byte[] shuffle(float[] img) {
        int n = img.length;
        byte[] out = new byte[n * 4];
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(img[i]);
            out[i] = (byte) (bits >>> 24);
            out[n + i] = (byte) (bits >>> 16);
            out[2 * n + i] = (byte) (bits >>> 8);
            out[3 * n + i] = (byte) bits;
        }
        return out;
    }

    private static float[] unshuffle(byte[] b, int n) {
        float[] img = new float[n];
        for (int i = 0; i < n; i++) {
            int bits = (b[i] & 0xff) << 24 | (b[n + i] & 0xff) << 16 | (b[2 * n + i] & 0xff) << 8 | (b[3 * n + i] & 0xff);
            img[i] = Float.intBitsToFloat(bits);
        }
        return img;
    }

    private static byte[] deflate(byte[] raw) {
        Deflater d = new Deflater(Deflater.BEST_SPEED);
        try {
            d.setInput(raw);
            d.finish();
            ByteArrayOutputStream bos = new ByteArrayOutputStream(raw.length / 2 + 64);
            byte[] buf = new byte[8192];
            while (!d.finished()) {
                int k = d.deflate(buf);
                bos.write(buf, 0, k);
            }
            return bos.toByteArray();
        } finally {
            d.end();
        }
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
