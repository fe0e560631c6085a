package org.deepmerge.core.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * The project's one NumPy {@code .npy} codec (format specification: numpy.lib.format, NEP 1): magic
 * {@code \x93NUMPY}, major and minor version bytes, a little-endian header length (uint16 in version 1.0, uint32 in
 * 2.0 and 3.0), then a Python dict literal {@code {'descr': '<f4', 'fortran_order': False, 'shape': (N, F, 75, 75), }}
 * padded with spaces and ended by a newline so that the data start at a multiple of 64 bytes; then the raw data.
 *
 * <p>Reading ({@link #open}): versions 1.0 to 3.0; little/big-endian or byte-order-free float ({@code f4},
 * {@code f8}), signed integers ({@code i1} to {@code i8}), unsigned ({@code u1} to {@code u4}) and bool
 * ({@code b1}), in C order (Fortran order is refused), streamed as float32. Writing ({@link #create}): version 1.0,
 * C order, little-endian {@link #FLOAT32} or {@link #INT64}, elements appended in C order.
 *
 * @param path       the file
 * @param descr      the dtype descriptor, e.g. {@code <f4}
 * @param shape      the array shape
 * @param dataOffset byte offset of the first element
 */
public record NpyFile(Path path, String descr, long[] shape, long dataOffset) {

    /** dtype of float32 arrays. */
    public static final String FLOAT32 = "<f4";
    /** dtype of int64 arrays (the HLSP label files). */
    public static final String INT64 = "<i8";
    /** Data alignment of the files written, bytes. */
    static final int ALIGNMENT = 64;

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([fiub])(\\d)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    public NpyFile {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Reads and checks the header of an existing file.
     *
     * @param path the .npy file
     * @return the header
     * @throws DeepMergeException IO_ERROR when unreadable; WRONG_SHAPE for a bad magic, an unsupported version or
     *                            dtype, Fortran order, or a file shorter than its shape needs
     */
    public static NpyFile open(Path path) throws DeepMergeException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, pre, 0);
            pre.flip();
            byte[] magic = new byte[6];
            pre.get(magic);
            if ((magic[0] & 0xff) != 0x93 || !"NUMPY".equals(new String(magic, 1, 5, StandardCharsets.US_ASCII))) {
                throw new DeepMergeException(Reason.WRONG_SHAPE, path + ": not a .npy file (bad magic)");
            }
            int major = pre.get() & 0xff;
            pre.get();
            long headerLen;
            int prefix;
            if (major == 1) {
                headerLen = pre.getShort() & 0xffff;
                prefix = 10;
            } else if (major == 2 || major == 3) {
                headerLen = pre.getInt() & 0xffffffffL;
                prefix = 12;
            } else {
                throw new DeepMergeException(Reason.WRONG_SHAPE, path + ": unsupported .npy version " + major);
            }
            if (headerLen > ch.size() - prefix || headerLen > Integer.MAX_VALUE - 8) {
                throw new DeepMergeException(Reason.WRONG_SHAPE, path + ": .npy header of " + headerLen
                        + " bytes is longer than the file");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, prefix);
            String header = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            Matcher d = DESCR.matcher(header);
            Matcher f = FORTRAN.matcher(header);
            Matcher s = SHAPE.matcher(header);
            if (!d.find() || !f.find() || !s.find()) {
                throw new DeepMergeException(Reason.WRONG_SHAPE, path + ": unsupported .npy header " + header.trim());
            }
            if ("True".equals(f.group(1))) {
                throw new DeepMergeException(Reason.WRONG_SHAPE, path + ": Fortran-order arrays are not supported");
            }
            String descr = d.group(1) + d.group(2) + d.group(3);
            long[] shape = Arrays.stream(s.group(1).split(",")).map(String::trim).filter(t -> !t.isEmpty())
                    .mapToLong(Long::parseLong).toArray();
            NpyFile a = new NpyFile(path, descr, shape, prefix + headerLen);
            long need = a.dataOffset + a.count() * a.elementSize();
            if (ch.size() < need) {
                throw new DeepMergeException(Reason.WRONG_SHAPE, path + ": truncated, " + ch.size() + " bytes, shape "
                        + Arrays.toString(shape) + " " + descr + " needs " + need);
            }
            return a;
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, path + ": cannot read .npy: " + e.getMessage(), e);
        } catch (NumberFormatException e) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, path + ": bad shape in .npy header", e);
        }
    }

    /** @return number of elements (product of the shape; 1 for a scalar) */
    public long count() {
        return count(shape);
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /**
     * @return bytes per element
     * @throws DeepMergeException WRONG_SHAPE for an unsupported dtype
     */
    public int elementSize() throws DeepMergeException {
        char kind = descr.charAt(1);
        int size = descr.charAt(2) - '0';
        boolean ok = switch (kind) {
            case 'f' -> size == 4 || size == 8;
            case 'i' -> size == 1 || size == 2 || size == 4 || size == 8;
            case 'u' -> size == 1 || size == 2 || size == 4;
            case 'b' -> size == 1;
            default -> false;
        };
        if (!ok) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, path + ": unsupported dtype " + descr);
        }
        return size;
    }

    /**
     * Streams elements {@code [start, start+count)} (flat C-order index) into dest as float32, chunk by chunk.
     *
     * @param start  first element
     * @param count  number of elements
     * @param dest   destination
     * @param offset where to write in dest
     * @throws DeepMergeException IO_ERROR when reading fails
     */
    public void readFloats(long start, int count, float[] dest, int offset) throws DeepMergeException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            readFloats(ch, start, count, dest, offset);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, path + ": read failed: " + e.getMessage(), e);
        }
    }

    /**
     * Same as {@link #readFloats(long, int, float[], int)} on an open channel (for many small reads).
     *
     * @param ch     channel on {@link #path()}
     * @param start  first element
     * @param count  number of elements
     * @param dest   destination
     * @param offset where to write in dest
     * @throws IOException when reading fails
     * @throws DeepMergeException WRONG_SHAPE for an unsupported dtype
     */
    public void readFloats(FileChannel ch, long start, int count, float[] dest, int offset)
            throws IOException, DeepMergeException {
        int es = elementSize();
        ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        char kind = descr.charAt(1);
        int chunk = Math.max(1, (1 << 20) / es);
        ByteBuffer buf = ByteBuffer.allocate(Math.min(count, chunk) * es).order(order);
        long pos = dataOffset + start * es;
        int done = 0;
        while (done < count) {
            int n = Math.min(chunk, count - done);
            buf.clear().limit(n * es);
            readFully(ch, buf, pos);
            buf.flip();
            for (int k = 0; k < n; k++) {
                dest[offset + done + k] = switch (kind) {
                    case 'f' -> es == 4 ? buf.getFloat() : (float) buf.getDouble();
                    case 'i' -> switch (es) {
                        case 1 -> buf.get();
                        case 2 -> buf.getShort();
                        case 4 -> buf.getInt();
                        default -> buf.getLong();
                    };
                    case 'u' -> switch (es) {
                        case 1 -> buf.get() & 0xff;
                        case 2 -> buf.getShort() & 0xffff;
                        default -> buf.getInt() & 0xffffffffL;
                    };
                    default -> buf.get() != 0 ? 1f : 0f;
                };
            }
            pos += (long) n * es;
            done += n;
        }
    }

    /**
     * Reads the whole array as float32.
     *
     * @return all elements in C order
     * @throws DeepMergeException WRONG_SHAPE when larger than a Java array, IO_ERROR when reading fails
     */
    public float[] readAllFloats() throws DeepMergeException {
        if (count() > Integer.MAX_VALUE - 8) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, path + ": " + count() + " elements do not fit one array");
        }
        float[] out = new float[(int) count()];
        readFloats(0, out.length, out, 0);
        return out;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += r;
        }
    }

    @Override
    public String toString() {
        return "NpyFile[" + path.getFileName() + ", " + descr + ", " + Arrays.toString(shape) + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyFile n && path.equals(n.path) && descr.equals(n.descr) && Arrays.equals(shape, n.shape)
                && dataOffset == n.dataOffset;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * path.hashCode() + descr.hashCode()) + Arrays.hashCode(shape);
    }

    /**
     * Creates (or overwrites) a version 1.0 file and writes its header; the elements follow through the writer.
     *
     * @param path  file to (over)write
     * @param descr {@link #FLOAT32} or {@link #INT64}
     * @param shape array shape, C order, every dimension &gt;= 0
     * @return the writer; {@link Writer#close()} checks that exactly product(shape) elements were written
     * @throws DeepMergeException INVALID_CONFIG for another dtype or a negative dimension; IO_ERROR if the file
     *                            cannot be written
     */
    public static Writer create(Path path, String descr, long... shape) throws DeepMergeException {
        if (!FLOAT32.equals(descr) && !INT64.equals(descr)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, ".npy writer " + path + ": unsupported dtype " + descr);
        }
        for (long d : shape) {
            if (d < 0) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, ".npy writer " + path + ": negative dimension " + d);
            }
        }
        try {
            OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16);
            out.write(header(descr, shape));
            return new Writer(path, out, descr, count(shape));
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, ".npy writer: cannot write " + path, e);
        }
    }

    /**
     * The complete version 1.0 header (magic to newline) as {@code numpy.save} writes it, length a multiple of
     * {@value #ALIGNMENT}.
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
        int total = (unpadded + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
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

    /** Appends the elements of a file being {@link #create created}, in C order. */
    public static final class Writer implements AutoCloseable {
        private final Path path;
        private final OutputStream out;
        private final String descr;
        private final long expected;
        private long written;
        private boolean closed;

        private Writer(Path path, OutputStream out, String descr, long expected) {
            this.path = path;
            this.out = out;
            this.descr = descr;
            this.expected = expected;
        }

        /**
         * Appends float32 elements.
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
         * Appends int64 elements.
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
                throw new DeepMergeException(Reason.INVALID_CONFIG, ".npy writer " + path + ": cannot append " + n
                        + " " + dtype + " elements (dtype " + descr + ", " + written + " of " + expected + " written"
                        + (closed ? ", closed" : "") + ")");
            }
        }

        private void put(byte[] bytes, int n) throws DeepMergeException {
            try {
                out.write(bytes);
                written += n;
            } catch (IOException e) {
                throw new DeepMergeException(Reason.IO_ERROR, ".npy writer: write failed: " + path, e);
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
                throw new DeepMergeException(Reason.IO_ERROR, ".npy writer: close failed: " + path, e);
            }
            if (written != expected) {
                throw new DeepMergeException(Reason.INVALID_CONFIG,
                        ".npy writer " + path + ": " + written + " elements written, shape needs " + expected);
            }
        }
    }
}
