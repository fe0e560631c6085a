package org.deepmerge.training.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * The header of a NumPy {@code .npy} file (format versions 1.0, 2.0 and 3.0, see
 * numpy.lib.format): magic {@code \x93NUMPY}, version, little-endian header length (uint16 in v1, uint32
 * in v2/v3), then a Python dict literal {@code {'descr': '<f4', 'fortran_order': False, 'shape': (N, ...), }}.
 * Supported dtypes: little/big-endian or byte-order-free float ({@code f4}, {@code f8}), signed integers
 * ({@code i1}, {@code i2}, {@code i4}, {@code i8}), unsigned ({@code u1}, {@code u2}, {@code u4}) and bool
 * ({@code b1}), in C order; Fortran order is rejected.
 *
 * @param path       the file
 * @param descr      the dtype descriptor, e.g. {@code <f4}
 * @param shape      the array shape
 * @param dataOffset byte offset of the first element
 */
public record NpyArray(Path path, String descr, long[] shape, long dataOffset) {

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([fiub])(\\d)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    public NpyArray {
        shape = shape.clone();
    }

    /**
     * Reads and validates the header.
     *
     * @param path the .npy file
     * @return the header
     * @throws DeepMergeException IO_ERROR when unreadable, WRONG_SHAPE for a bad magic, an unsupported dtype or
     *                            Fortran order
     */
    public static NpyArray open(Path path) throws DeepMergeException {
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
            NpyArray a = new NpyArray(path, descr, shape, prefix + headerLen);
            a.elementSize();
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
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** @return bytes per element */
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
        return "NpyArray[" + path.getFileName() + ", " + descr + ", " + Arrays.toString(shape) + "]";
    }
}
