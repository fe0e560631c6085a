package org.deepmerge.streams.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;
import org.deepmerge.core.morphology.MorphologyFlag;
import org.deepmerge.core.morphology.MorphologyMeasurement;
import org.deepmerge.core.morphology.MorphologyResult;
import org.deepmerge.core.pipeline.CutoutPipeline;
import org.deepmerge.core.pipeline.PreparedImage;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.core.fits.StampLimits;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.testing.Alerts;
import org.junit.jupiter.api.Test;

/** The batch-buffer entry encoding: bit-exact round trip, and its size on the real alerts (changelog bytes). */
class PendingImageTest {

    @Test
    void roundTripIsBitExactIncludingSpecialFloats() {
        float[] img = {0f, -0f, 1.5f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.NaN, Float.intBitsToFloat(0x7fc00123),
                Float.POSITIVE_INFINITY, 123456.789f, -3e-20f};
        PendingImage p = new PendingImage(new PreparedInput("123", null, "ZTF", 1.5, -2.5, Double.NaN, List.of("r", "g"),
                true, img), 42L, 99L);
        PendingImage q = PendingImage.decode(p.encode());
        assertEquals("123", q.input().sourceId());
        assertNull(q.input().objectId());
        assertEquals(List.of("r", "g"), q.input().bands());
        assertTrue(q.input().incomplete());
        assertTrue(Double.isNaN(q.input().epochMjd()));
        assertEquals(42L, q.recordTimestamp());
        assertEquals(99L, q.enqueuedWallMs());
        assertEquals(img.length, q.input().image().length);
        for (int i = 0; i < img.length; i++) {
            assertEquals(Float.floatToRawIntBits(img[i]), Float.floatToRawIntBits(q.input().image()[i]), "float " + i);
        }
    }

    /**
     * The shuffle writes exactly the bytes of the plain definition (byte p of value i at {@code p*n + i}), the layout
     * of every version's entries; and unshuffle inverts it, for lengths that are and are not multiples of 8.
     */
    @Test
    void shuffleMatchesTheBytewiseDefinitionAndInverts() {
        java.util.Random rnd = new java.util.Random(5);
        for (int n : new int[] {0, 1, 7, 8, 9, 15, 64, 3 * 75 * 75 + 3}) {
            float[] img = new float[n];
            for (int i = 0; i < n; i++) {
                img[i] = Float.intBitsToFloat(rnd.nextInt());
            }
            byte[] expected = new byte[4 * n];
            for (int i = 0; i < n; i++) {
                int b = Float.floatToRawIntBits(img[i]);
                for (int p = 0; p < 4; p++) {
                    expected[p * n + i] = (byte) (b >>> (24 - 8 * p));
                }
            }
            byte[] got = new byte[4 * n + 5];
            PendingImage.shuffle(img, n, got);
            assertArrayEquals(expected, java.util.Arrays.copyOf(got, 4 * n), "n = " + n);
            float[] back = PendingImage.unshuffle(got, n);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(img[i]), Float.floatToRawIntBits(back[i]), "n = " + n + ", value " + i);
            }
        }
    }

    @Test
    void corruptEntryIsAClearFault() {
        byte[] b = new PendingImage(new PreparedInput("1", "o", "ZTF", 0, 0, 0, List.of("r"), false, new float[16]), 1, 2).encode();
        b[0] = 9;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PendingImage.decode(b));
        assertTrue(e.getMessage().contains("version 9"), e.getMessage());
        byte[] truncated = java.util.Arrays.copyOf(new PendingImage(new PreparedInput("1", "o", "ZTF", 0, 0, 0,
                List.of("r"), false, new float[16]), 1, 2).encode(), 40);
        assertThrows(IllegalStateException.class, () -> PendingImage.decode(truncated));
    }

    /** The fields every version writes before the image, from the version byte to the value count. */
    private static java.io.DataOutputStream header(PendingImage p, int version, java.io.ByteArrayOutputStream bos)
            throws Exception {
        java.io.DataOutputStream out = new java.io.DataOutputStream(bos);
        PreparedInput in = p.input();
        out.writeByte(version);
        out.writeLong(p.recordTimestamp());
        out.writeLong(p.enqueuedWallMs());
        out.writeUTF(in.sourceId());
        out.writeBoolean(in.objectId() != null);
        if (in.objectId() != null) {
            out.writeUTF(in.objectId());
        }
        out.writeUTF(in.survey());
        out.writeDouble(in.ra());
        out.writeDouble(in.dec());
        out.writeDouble(in.epochMjd());
        out.writeShort(in.bands().size());
        for (String b : in.bands()) {
            out.writeUTF(b);
        }
        out.writeBoolean(in.incomplete());
        out.writeInt(in.image().length);
        return out;
    }

    /** Every value's bytes, shuffled by the plain definition. */
    private static byte[] shuffled(float[] img) {
        int n = img.length;
        byte[] shuffled = new byte[4 * n];
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(img[i]);
            shuffled[i] = (byte) (bits >>> 24);
            shuffled[n + i] = (byte) (bits >>> 16);
            shuffled[2 * n + i] = (byte) (bits >>> 8);
            shuffled[3 * n + i] = (byte) bits;
        }
        return shuffled;
    }

    /** A v1 entry (deflate), as an earlier version wrote it into the buffer changelog (format in the class Javadoc). */
    private static byte[] v1(PendingImage p) throws Exception {
        java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = header(p, 1, bos);
        java.io.ByteArrayOutputStream z = new java.io.ByteArrayOutputStream();
        try (java.util.zip.DeflaterOutputStream d = new java.util.zip.DeflaterOutputStream(z)) {
            d.write(shuffled(p.input().image()));
        }
        out.writeInt(z.size());
        out.write(z.toByteArray());
        out.flush();
        return bos.toByteArray();
    }

    /** A v2 entry (every plane stored, LZ4), as the previous version wrote it. */
    private static byte[] v2(PendingImage p) throws Exception {
        java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = header(p, 2, bos);
        byte[] block = net.jpountz.lz4.LZ4Factory.safeInstance().fastCompressor().compress(shuffled(p.input().image()));
        out.writeInt(block.length);
        out.write(block);
        out.flush();
        return bos.toByteArray();
    }

    /** An image of {@code planes} planes of {@code size} random values, plane p a copy of plane {@code copyOf[p]}. */
    private static float[] planes(int size, int... copyOf) {
        java.util.Random rnd = new java.util.Random(11);
        float[] img = new float[size * copyOf.length];
        for (int p = 0; p < copyOf.length; p++) {
            for (int i = 0; i < size; i++) {
                img[p * size + i] = copyOf[p] == p ? (float) rnd.nextGaussian() : img[copyOf[p] * size + i];
            }
        }
        return img;
    }

    private static PendingImage pending(float[] img, String... bands) {
        return new PendingImage(new PreparedInput("7", "o", "ZTF", 1, 2, 3, List.of(bands), false, img), 5L, 6L);
    }

    private static void assertSameBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), what + ", value " + i);
        }
    }

    /**
     * A single-band alert's stamp replicated into three channels is stored once: the entry is the size of the
     * one-channel image's entry (plus the band names and plane table), and restores all three planes bit-exactly.
     */
    @Test
    void aStampReplicatedIntoEveryChannelIsStoredOnce() {
        int size = 75 * 75;
        float[] three = planes(size, 0, 0, 0);
        byte[] replicated = pending(three, "r", "r", "r").encode();
        byte[] single = pending(java.util.Arrays.copyOf(three, size), "r").encode();
        assertTrue(replicated.length - single.length < 16, replicated.length + " vs " + single.length + " bytes");
        assertSameBits(three, PendingImage.decode(replicated).input().image(), "replicated planes");
        float[] distinct = planes(size, 0, 1, 2);
        assertTrue(pending(distinct, "g", "r", "i").encode().length > 2 * single.length,
                "three distinct planes are all stored");
    }

    /**
     * Repeats are found by bits, wherever they are: a repeat of a later-stored plane, planes differing only in
     * the sign of a zero or a NaN payload (kept apart), and band counts that do not divide the image.
     */
    @Test
    void repeatedPlanesRoundTripInAnyLayout() {
        int size = 10 * 10;
        assertSameBits(planes(size, 0, 1, 0), PendingImage.decode(pending(planes(size, 0, 1, 0), "g", "r", "g").encode())
                .input().image(), "layout A B A");
        assertSameBits(planes(size, 0, 0, 2), PendingImage.decode(pending(planes(size, 0, 0, 2), "g", "g", "i").encode())
                .input().image(), "layout A A B");
        float[] signed = planes(size, 0, 0, 0);
        signed[size + 3] = 0f;
        signed[3] = -0f;
        signed[2 * size + 4] = Float.intBitsToFloat(0x7fc00001);
        signed[4] = Float.intBitsToFloat(0x7fc00002);
        signed[size + 4] = Float.intBitsToFloat(0x7fc00002);
        assertEquals(List.of((byte) 0, (byte) 1, (byte) 2), asList(PendingImage.repeats(signed, 3)),
                "-0 differs from 0 and NaN payloads differ");
        assertSameBits(signed, PendingImage.decode(pending(signed, "r", "r", "r").encode()).input().image(), "signs");
        float[] odd = planes(7, 0, 0, 0);
        assertSameBits(odd, PendingImage.decode(pending(odd, "g", "r").encode()).input().image(), "21 values, 2 bands");
        assertSameBits(new float[0], PendingImage.decode(pending(new float[0], "r").encode()).input().image(), "empty");
    }

    private static List<Byte> asList(byte[] b) {
        List<Byte> l = new java.util.ArrayList<>();
        for (byte x : b) {
            l.add(x);
        }
        return l;
    }

    @Test
    void aPlaneTableThatPointsForwardIsAClearFault() throws Exception {
        PendingImage p = pending(planes(4, 0, 0, 0), "r", "r", "r");
        java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = header(p, 3, bos);
        out.writeByte(3);
        out.write(new byte[] {0, 2, 2});
        out.writeInt(0);
        out.flush();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PendingImage.decode(bos.toByteArray()));
        assertTrue(e.getMessage().contains("plane 1 repeats plane 2"), e.getMessage());
    }

    @Test
    void entriesWrittenByTheAllPlanesVersionStillRestore() throws Exception {
        float[] img = planes(20 * 20, 0, 0, 2);
        PendingImage p = pending(img, "g", "g", "i");
        byte[] old = v2(p);
        assertEquals(2, old[0]);
        assertSameBits(img, PendingImage.decode(old).input().image(), "v2 entry");
        assertEquals(List.of(5L, 6L, "7"), List.of(PendingImage.decode(old).recordTimestamp(),
                PendingImage.decode(old).enqueuedWallMs(), PendingImage.decode(old).input().sourceId()));
    }

    @Test
    void entriesWrittenByTheDeflateVersionStillRestore() throws Exception {
        float[] img = new float[3 * 20 * 20];
        for (int i = 0; i < img.length; i++) {
            img[i] = i % 7 == 0 ? 0f : (float) Math.sin(i * 0.37) * 1e-3f;
        }
        PendingImage p = new PendingImage(new PreparedInput("src-9", "obj-9", "LSST", 10.5, -3.25, 60000.5,
                List.of("g", "r", "i"), false, img), 123L, 456L);
        byte[] old = v1(p);
        assertEquals(1, old[0]);
        assertEquals(6, p.encode()[0], "new entries are v6 (v4, the morphology and its S/N per pixel)");
        PendingImage q = PendingImage.decode(old);
        assertEquals(List.of(123L, 456L), List.of(q.recordTimestamp(), q.enqueuedWallMs()));
        assertEquals(List.of("src-9", "obj-9", "LSST", "g,r,i"), List.of(q.input().sourceId(), q.input().objectId(),
                q.input().survey(), String.join(",", q.input().bands())));
        assertEquals(60000.5, q.input().epochMjd());
        assertArrayEquals(img, q.input().image());
    }

    @Test
    void stringsOfAnyLengthTheAvroSchemaAllowsRoundTrip() {
        // DataOutputStream.writeUTF stops at 65,535 bytes of modified UTF-8: a valid alert with a longer objectId
        // killed the stream thread before it could be dead-lettered, at the same offset after every restart
        String longId = "Z".repeat(70_000);
        String astral = "\uD83D\uDD2D".repeat(20_000) + "\u00e9\u0000"; // 4-byte UTF-8 chars, a NUL
        PendingImage p = new PendingImage(new PreparedInput(astral, longId, "ZTF", 1, 2, 3, List.of("r", astral),
                false, new float[] {1, 2, 3, 4}), 7L, 8L, new PendingImage.Source("alerts", 3, 12345L));
        PendingImage q = PendingImage.decode(p.encode());
        assertEquals(longId, q.input().objectId());
        assertEquals(astral, q.input().sourceId());
        assertEquals(List.of("r", astral), q.input().bands());
        assertEquals(new PendingImage.Source("alerts", 3, 12345L), q.source());
        assertArrayEquals(new float[] {1, 2, 3, 4}, q.input().image());
        PendingImage noObject = PendingImage.decode(new PendingImage(new PreparedInput("1", null, "LSST", 1, 2, 3,
                List.of("r"), false, new float[] {5}), 1L, 2L).encode());
        assertEquals(null, noObject.input().objectId());
        assertEquals(PendingImage.Source.UNKNOWN, noObject.source());
    }

    @Test
    void aStringLengthBeyondTheEntryIsCorruptNotAnAllocation() {
        byte[] b = new PendingImage(new PreparedInput("1", "o", "ZTF", 0, 0, 0, List.of("r"), false, new float[16]),
                1, 2).encode();
        // the first string (source topic) length follows version (1) + two longs (16)
        java.nio.ByteBuffer.wrap(b).putInt(17, Integer.MAX_VALUE);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PendingImage.decode(b));
        assertTrue(e.getMessage().contains("string"), e.getMessage());
    }

    @Test
    void entriesWrittenByThePlaneTableVersionStillRestore() throws Exception {
        float[] img = planes(20 * 20, 0, 0, 0);
        PendingImage p = pending(img, "r", "r", "r");
        java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = header(p, 3, bos);
        out.writeByte(3);
        out.write(new byte[] {0, 0, 0});
        byte[] sh = shuffled(java.util.Arrays.copyOf(img, 400));
        byte[] block = net.jpountz.lz4.LZ4Factory.fastestInstance().fastCompressor().compress(sh);
        out.writeInt(block.length);
        out.write(block);
        out.flush();
        PendingImage q = PendingImage.decode(bos.toByteArray());
        assertSameBits(img, q.input().image(), "v3 entry");
        assertEquals(p.input().sourceId(), q.input().sourceId());
        assertEquals(PendingImage.Source.UNKNOWN, q.source());
    }

    static ModelContract contract(int channels, double scale, ResampleMode mode) {
        List<String> bands = channels == 1 ? List.of("r") : channels == 2 ? List.of("F814W", "F160W")
                : List.of("F814W", "F160W", "F356W");
        return new ModelContract("x", -1, bands, 75, 75, scale, mode, Normalisation.none(), "prob", OutputKind.SIGMOID,
                List.of("non-merger", "merger"), 1, "m", "1", Map.of());
    }

    /**
     * Encodes every real ZTF and Rubin alert as the buffer would, for the DeepMerge HLSP input geometry (2 channels,
     * 75x75, 0.1875 arcsec/px, angular resampling; single-band alerts replicated), and reports the bytes per alert.
     */
    @Test
    void changelogBytesPerAlertOnRealAlerts() throws DeepMergeException {
        for (int channels : new int[] {2}) {
            ModelContract c = contract(channels, 0.1875, ResampleMode.ANGULAR);
            CutoutPipeline pipeline = CutoutPipeline.create(c, null, ChannelMapping.defaults(), StampLimits.defaults());
            for (String survey : List.of("ztf", "rubin")) {
                List<Path> files = survey.equals("ztf") ? Alerts.ztf() : Alerts.rubin();
                long encoded = 0;
                long message = 0;
                int n = 0;
                for (Path f : files) {
                    byte[] m = Alerts.bytes(f);
                    PreparedImage p;
                    try {
                        p = pipeline.prepare(m);
                    } catch (DeepMergeException e) {
                        continue;
                    }
                    PendingImage pending = new PendingImage(ScoringRuntime.toInput(p), 1L, 2L);
                    byte[] bytes = pending.encode();
                    assertArrayEquals(p.image(), PendingImage.decode(bytes).input().image());
                    encoded += bytes.length;
                    message += m.length;
                    n++;
                }
                assertTrue(n > 0);
                double perAlert = encoded / (double) n;
                int raw = c.imageSize() * 4;
                System.out.printf("buffer entry, %s, [%d,75,75] angular 0.1875\"/px: %.0f B/alert (raw float32 %d B,"
                        + " %.0f%%; original message %.0f B) over %d alerts%n", survey, channels, perAlert, raw,
                        100.0 * perAlert / raw, message / (double) n, n);
                assertTrue(perAlert < raw, "shuffle+LZ4 must beat raw float32");
            }
        }
    }

    /**
     * A v4 entry exactly as the v4 encoder wrote it (ids "1234"/"ZTF18abc", survey ZTF, ra 12.5, dec -4.25, epoch
     * 58000.5, bands r,r, incomplete, a [2,4,4] image whose two planes are both {@code i * 0.25 - 1}, record time 111,
     * enqueued 222, source alerts/2/77): a changelog written before the morphology restores.
     */
    static final String V4_ENTRY =
            "04000000000000006f00000000000000de00000006616c6572747300000002000000000000004d000000043132333401"
            + "000000085a54463138616263000000035a54464029000000000000c01100000000000040ec5210000000000000000200"
            + "00000172000000017201000000200200000000002a71bfbfbfbe003e3f0100ff0640404040804000800080004080a0c0"
            + "e00010203000010007500000000000";

    @Test
    void entriesWrittenByTheSourceLocationVersionStillRestore() {
        PendingImage q = PendingImage.decode(java.util.HexFormat.of().parseHex(V4_ENTRY));
        assertEquals(List.of(111L, 222L), List.of(q.recordTimestamp(), q.enqueuedWallMs()));
        assertEquals(new PendingImage.Source("alerts", 2, 77L), q.source());
        PreparedInput in = q.input();
        assertEquals(List.of("1234", "ZTF18abc", "ZTF", "r,r"), List.of(in.sourceId(), in.objectId(), in.survey(),
                String.join(",", in.bands())));
        assertEquals(List.of(12.5, -4.25, 58000.5), List.of(in.ra(), in.dec(), in.epochMjd()));
        assertTrue(in.incomplete());
        float[] img = new float[32];
        for (int i = 0; i < 32; i++) {
            img[i] = (i % 16) * 0.25f - 1f;
        }
        assertSameBits(img, in.image(), "v4 entry");
        assertEquals(null, in.morphology(), "v4 had no morphology");
    }

    @Test
    void theMorphologyRoundTripsWithTheImage() {
        MorphologyMeasurement m = new MorphologyMeasurement("r", 1.2, new MorphologyResult(
                MorphologyFlag.SEGMENT_TRUNCATED, 2.4527, 0.2481, 0.4943, -1.3049, -0.019, -0.629, 1.643, 3.406, 0.856,
                2.39, 19.62, Double.NaN, 57, 41.5));
        float[] img = planes(40 * 40, 0);
        PendingImage p = new PendingImage(new PreparedInput("9", "o", "ZTF", 1, 2, 3, List.of("r"), false, img, m),
                5L, 6L, new PendingImage.Source("alerts", 0, 9L));
        byte[] withMorphology = p.encode();
        PendingImage q = PendingImage.decode(withMorphology);
        assertEquals(m, q.input().morphology(), "every value, NaN included");
        assertSameBits(img, q.input().image(), "v6 entry");
        byte[] without = pending(img, "r").encode();
        assertEquals(null, PendingImage.decode(without).input().morphology());
        System.out.printf("buffer entry with morphology: %d B, without: %d B%n", withMorphology.length,
                without.length);
        assertTrue(withMorphology.length - without.length < 200, "a small record, not a second image");
        byte[] badFlag = withMorphology.clone();
        int at = indexOf(badFlag, "SEGMENT_TRUNCATED".getBytes(StandardCharsets.UTF_8));
        badFlag[at] = 'X';
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PendingImage.decode(badFlag));
        assertTrue(e.getMessage().contains("morphology flag"), e.getMessage());
    }

    /** A v5 entry is a v6 entry without the S/N per pixel (the double after the segment pixel count): read as NaN. */
    @Test
    void entriesWrittenByTheMorphologyVersionStillRestore() {
        MorphologyResult r = new MorphologyResult(MorphologyFlag.OK, 2.45, 0.25, 0.49, -1.31, -0.02, -0.63, 1.64,
                3.41, 0.86, 2.39, 19.6, 19.4, 57, 41.5);
        MorphologyMeasurement m = new MorphologyMeasurement("g", 1.2, r);
        float[] img = planes(40 * 40, 0);
        byte[] v6 = new PendingImage(new PreparedInput("9", "o", "ZTF", 1, 2, 3, List.of("g"), false, img, m), 5L, 6L,
                new PendingImage.Source("alerts", 0, 9L)).encode();
        // the flag name, its 12 doubles and the segment pixel count, then the S/N per pixel
        int sn = indexOf(v6, "OK".getBytes(StandardCharsets.UTF_8)) + 2 + 12 * 8 + 4;
        assertEquals(41.5, java.nio.ByteBuffer.wrap(v6).getDouble(sn));
        byte[] v5 = new byte[v6.length - 8];
        System.arraycopy(v6, 0, v5, 0, sn);
        System.arraycopy(v6, sn + 8, v5, sn, v6.length - sn - 8);
        v5[0] = 5;
        PendingImage q = PendingImage.decode(v5);
        MorphologyResult expected = new MorphologyResult(r.flag(), r.concentration(), r.asymmetry(), r.gini(), r.m20(),
                r.giniM20Merger(), r.giniM20Bulge(), r.halfLightRadiusArcsec(), r.petrosianRadiusArcsec(),
                r.r20Arcsec(), r.r80Arcsec(), r.centreX(), r.centreY(), r.segmentPixels(), Double.NaN);
        assertEquals(new MorphologyMeasurement("g", 1.2, expected), q.input().morphology());
        assertSameBits(img, q.input().image(), "v5 entry");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
