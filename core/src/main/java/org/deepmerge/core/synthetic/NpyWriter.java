package org.deepmerge.core.synthetic;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deepmerge.core.DeepMergeException;

/**
 * Streaming writer of NumPy {@code .npy} format version 1.0 files (C order, little-endian), for the HLSP-style
 * {@code <name>-x.npy} / {@code <name>-y.npy} pairs. Format (NumPy NEP 1, "A Simple File Format for NumPy
 * Arrays"): magic {@code \x93NUMPY}, version bytes 1 0, a little-endian uint16 header length, then an ASCII
 * Python dict {@code {'descr': '<f4', 'fortran_order': False, 'shape': (N, F, 75, 75), }} padded with spaces
 * and ended by a newline so that the data start at a multiple of 64 bytes; then the raw data.
 *
 * <p>Elements are appended in C order; {@link #close()} checks that exactly product(shape) were written.
 */
public final class NpyWriter implements AutoCloseable {

    /** dtype of float32 arrays. */
    public static final String FLOAT32 = "<f4";
    /** dtype of int64 arrays (the HLSP label files). */
    public static final String INT64 = "<i8";

    private final Path path;
    private final OutputStream out;
    private final String descr;
    private final long expected;
    private long written;
    private boolean closed;

    private NpyWriter(Path path, OutputStream out, String descr, long expected) {
        this.path = path;
        this.out = out;
        this.descr = descr;
        this.expected = expected;
    }

    /**
     * Creates the file and writes the header.
     *
     * @param path  file to (over)write
     * @param descr {@link #FLOAT32} or {@link #INT64}
     * @param shape array shape, C order, every dimension &gt;= 0
     * @return the writer
     * @throws DeepMergeException INVALID_CONFIG for another dtype or a negative dimension; IO_ERROR if the file
     *                            cannot be written
     */
    public static NpyWriter open(Path path, String descr, long... shape) throws DeepMergeException {
        if (!FLOAT32.equals(descr) && !INT64.equals(descr)) {
            throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG,
                    ".npy writer " + path + ": unsupported dtype " + descr);
        }
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG,
                        ".npy writer " + path + ": negative dimension " + d);
            }
            count *= d;
        }
        byte[] header = header(descr, shape);
        try {
            OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16);
            out.write(header);
            return new NpyWriter(path, out, descr, count);
        } catch (IOException e) {
            throw new DeepMergeException(DeepMergeException.Reason.IO_ERROR, ".npy writer: cannot write " + path, e);
        }
    }

    /**
     * The complete v1.0 header (magic to newline), length a multiple of 64.
     *
     * @param descr dtype string
     * @param shape array shape
     * @return header bytes
     */
    static byte[] header(String descr, long... shape) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            s.append(shape[i]);
            s.append(shape.length == 1 ? "," : i < shape.length - 1 ? ", " : "");
        }
        s.append(')');
        StringBuilder dict = new StringBuilder("{'descr': '").append(descr)
                .append("', 'fortran_order': False, 'shape': ").append(s).append(", }");
        int unpadded = 10 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        while (dict.length() < total - 11) {
            dict.append(' ');
        }
        dict.append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(10 + text.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) text.length).put(text);
        return b.array();
    }

    /**
     * Appends float32 elements (C order).
     *
     * @param values elements
     * @throws DeepMergeException INVALID_CONFIG if the dtype is not float32 or too many elements are written;
     *                            IO_ERROR on write failure
     */
    public void writeFloats(float[] values) throws DeepMergeException {
        check(FLOAT32, values.length);
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        put(b.array(), values.length);
    }

    /**
     * Appends int64 elements (C order).
     *
     * @param values elements
     * @throws DeepMergeException INVALID_CONFIG if the dtype is not int64 or too many elements are written;
     *                            IO_ERROR on write failure
     */
    public void writeLongs(long[] values) throws DeepMergeException {
        check(INT64, values.length);
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        put(b.array(), values.length);
    }

    private void check(String dtype, int n) throws DeepMergeException {
        if (closed || !descr.equals(dtype) || written + n > expected) {
            throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG, ".npy writer " + path + ": cannot"
                    + " append " + n + " " + dtype + " elements (dtype " + descr + ", " + written + " of " + expected
                    + " written" + (closed ? ", closed" : "") + ")");
        }
    }

    private void put(byte[] bytes, int n) throws DeepMergeException {
        try {
            out.write(bytes);
            written += n;
        } catch (IOException e) {
            throw new DeepMergeException(DeepMergeException.Reason.IO_ERROR, ".npy writer: write failed: " + path, e);
        }
    }

    /**
     * Flushes and closes the file.
     *
     * @throws DeepMergeException INVALID_CONFIG if fewer elements than the shape needs were written (the file is
     *                            then incomplete); IO_ERROR on failure
     */
    @Override
    public void close() throws DeepMergeException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            throw new DeepMergeException(DeepMergeException.Reason.IO_ERROR, ".npy writer: close failed: " + path, e);
        }
        if (written != expected) {
            throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG,
                    ".npy writer " + path + ": " + written + " elements written, shape needs " + expected);
        }
    }
}
