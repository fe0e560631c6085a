package org.deepmerge.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NpyFile}: written files against headers built by hand from the format specification, and round trips. */
class NpyFileTest {
    @TempDir
    Path tmp;

    /**
     * A .npy file built byte by byte as the NumPy format specification (numpy.lib.format) describes it: magic
     * {@code \x93NUMPY}, major and minor version, little-endian header length (2 bytes in 1.0, 4 in 2.0), the dict
     * text, spaces and a newline so that magic + length + text is a multiple of 64, then the data.
     */
    private static byte[] handMade(int major, String dict, byte[] data) {
        int prefix = major == 1 ? 10 : 12;
        int pad = 64 - (prefix + dict.length() + 1) % 64;
        String text = dict + " ".repeat(pad % 64) + "\n";
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x93);
        b.writeBytes("NUMPY".getBytes(StandardCharsets.US_ASCII));
        b.write(major);
        b.write(0);
        int len = text.length();
        b.write(len & 0xff);
        b.write(len >>> 8 & 0xff);
        if (major != 1) {
            b.write(len >>> 16 & 0xff);
            b.write(len >>> 24 & 0xff);
        }
        b.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(data);
        return b.toByteArray();
    }

    private static byte[] littleEndianFloats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    @Test
    void writtenFilesAreByteForByteTheHandMadeOnes() throws Exception {
        float[] v = {0f, -1.5f, 3.25f, Float.MAX_VALUE, Float.MIN_VALUE, Float.NaN};
        Path f = tmp.resolve("x.npy");
        try (NpyFile.Writer w = NpyFile.create(f, NpyFile.FLOAT32, 2, 3)) {
            w.writeFloats(Arrays.copyOf(v, 4));
            w.writeFloats(Arrays.copyOfRange(v, 4, 6));
        }
        byte[] want = handMade(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", littleEndianFloats(v));
        assertArrayEquals(want, Files.readAllBytes(f));
        assertEquals(128, want.length - 24, "magic, length and dict padded to two 64-byte blocks");

        Path y = tmp.resolve("y.npy");
        try (NpyFile.Writer w = NpyFile.create(y, NpyFile.INT64, 15426)) {
            w.writeLongs(new long[15426]);
        }
        byte[] yb = Files.readAllBytes(y);
        assertArrayEquals(handMade(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (15426,), }",
                new byte[15426 * 8]), yb, "a 1-d shape is written (N,) as Python does");
        assertEquals(128, yb.length - 15426 * 8, "data start at a multiple of 64 bytes");
    }

    @Test
    void roundTripsFloat32AndInt64() throws Exception {
        float[] pixels = new float[2 * 3 * 5 * 5];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (i - 40) * 0.37f;
        }
        Path x = tmp.resolve("x.npy");
        try (NpyFile.Writer w = NpyFile.create(x, NpyFile.FLOAT32, 2, 3, 5, 5)) {
            w.writeFloats(pixels);
        }
        NpyFile a = NpyFile.open(x);
        assertEquals(NpyFile.FLOAT32, a.descr());
        assertArrayEquals(new long[] {2, 3, 5, 5}, a.shape());
        assertEquals(0, a.dataOffset() % 64);
        assertArrayEquals(pixels, a.readAllFloats());
        float[] part = new float[7];
        a.readFloats(75, 5, part, 2);
        assertArrayEquals(Arrays.copyOfRange(pixels, 75, 80), Arrays.copyOfRange(part, 2, 7), "a slice of the second image");

        Path y = tmp.resolve("y.npy");
        try (NpyFile.Writer w = NpyFile.create(y, NpyFile.INT64, 4)) {
            w.writeLongs(new long[] {1, 0, -3, 1L << 40});
        }
        NpyFile b = NpyFile.open(y);
        assertArrayEquals(new long[] {4}, b.shape());
        assertArrayEquals(new float[] {1, 0, -3, 1L << 40}, b.readAllFloats());
    }

    @Test
    void readsHandMadeFilesOfEverySupportedDtypeAndVersion() throws Exception {
        Path u1 = Files.write(tmp.resolve("u1.npy"), handMade(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }",
                new byte[] {0, 1, (byte) 255}));
        assertArrayEquals(new float[] {0, 1, 255}, NpyFile.open(u1).readAllFloats());

        byte[] i4 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(-7).putInt(9).array();
        Path v2 = Files.write(tmp.resolve("i4.npy"), handMade(2, "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }", i4));
        NpyFile a = NpyFile.open(v2);
        assertArrayEquals(new long[] {1, 2}, a.shape());
        assertEquals(0, a.dataOffset() % 64);
        assertArrayEquals(new float[] {-7, 9}, a.readAllFloats());

        byte[] f8 = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putDouble(1.5).putDouble(-2.25).array();
        Path be = Files.write(tmp.resolve("f8.npy"), handMade(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", f8));
        assertArrayEquals(new float[] {1.5f, -2.25f}, NpyFile.open(be).readAllFloats());

        Path bool = Files.write(tmp.resolve("b1.npy"), handMade(3, "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }",
                new byte[] {1, 0}));
        assertArrayEquals(new float[] {1, 0}, NpyFile.open(bool).readAllFloats());

        Path scalar = Files.write(tmp.resolve("s.npy"), handMade(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                littleEndianFloats(4.5f)));
        assertEquals(1, NpyFile.open(scalar).count());
        assertArrayEquals(new float[] {4.5f}, NpyFile.open(scalar).readAllFloats());
    }

    @Test
    void badFilesAreRejectedWithTheirName() throws Exception {
        Path junk = Files.write(tmp.resolve("junk.npy"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13});
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> NpyFile.open(junk));
        assertEquals(Reason.WRONG_SHAPE, e.reason());
        assertTrue(e.getMessage().contains("junk.npy"));

        Path c16 = Files.write(tmp.resolve("c16.npy"), handMade(1, "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }",
                new byte[16]));
        assertEquals(Reason.WRONG_SHAPE, assertThrows(DeepMergeException.class, () -> NpyFile.open(c16)).reason());

        Path fortran = Files.write(tmp.resolve("f.npy"), handMade(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }",
                new byte[4]));
        assertTrue(assertThrows(DeepMergeException.class, () -> NpyFile.open(fortran)).getMessage().contains("Fortran"));

        Path truncated = Files.write(tmp.resolve("short.npy"), handMade(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }",
                new byte[8]));
        assertTrue(assertThrows(DeepMergeException.class, () -> NpyFile.open(truncated)).getMessage().contains("truncated"));

        byte[] hugeHeader = handMade(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]);
        hugeHeader[11] = 0x7f;
        Path lying = Files.write(tmp.resolve("lying.npy"), hugeHeader);
        assertEquals(Reason.WRONG_SHAPE, assertThrows(DeepMergeException.class, () -> NpyFile.open(lying)).reason(),
                "a header length past the end of the file");
    }

    @Test
    void writerRefusesOtherDtypesAndCountsElements() throws Exception {
        assertEquals(Reason.INVALID_CONFIG, assertThrows(DeepMergeException.class,
                () -> NpyFile.create(tmp.resolve("c.npy"), "<c16", 1)).reason());
        assertEquals(Reason.INVALID_CONFIG, assertThrows(DeepMergeException.class,
                () -> NpyFile.create(tmp.resolve("n.npy"), NpyFile.FLOAT32, 2, -1)).reason());
        NpyFile.Writer n = NpyFile.create(tmp.resolve("a.npy"), NpyFile.FLOAT32, 2, 2);
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> n.writeLongs(new long[] {1}));
        assertEquals(Reason.INVALID_CONFIG, e.reason());
        n.writeFloats(new float[3]);
        assertThrows(DeepMergeException.class, () -> n.writeFloats(new float[2]), "more than the shape holds");
        e = assertThrows(DeepMergeException.class, n::close);
        assertTrue(e.getMessage().contains("3 elements written, shape needs 4"), e.getMessage());
    }
}
