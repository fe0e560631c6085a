package org.deepmerge.streams.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;
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
     * The word-at-a-time shuffle writes exactly the bytes of the plain definition (byte p of value i at
     * {@code p*n + i}), so v2 entries written before it still decode; and unshuffle inverts it, for lengths that are
     * and are not multiples of 8.
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
            PendingImage.shuffle(img, got);
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

    /** A v1 entry (deflate), as an earlier version wrote it into the buffer changelog (format in the class Javadoc). */
    private static byte[] v1(PendingImage p) throws Exception {
        java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bos);
        PreparedInput in = p.input();
        out.writeByte(1);
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
        float[] img = in.image();
        int n = img.length;
        byte[] shuffled = new byte[4 * n];
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(img[i]);
            shuffled[i] = (byte) (bits >>> 24);
            shuffled[n + i] = (byte) (bits >>> 16);
            shuffled[2 * n + i] = (byte) (bits >>> 8);
            shuffled[3 * n + i] = (byte) bits;
        }
        java.io.ByteArrayOutputStream z = new java.io.ByteArrayOutputStream();
        try (java.util.zip.DeflaterOutputStream d = new java.util.zip.DeflaterOutputStream(z)) {
            d.write(shuffled);
        }
        out.writeInt(n);
        out.writeInt(z.size());
        out.write(z.toByteArray());
        out.flush();
        return bos.toByteArray();
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
        assertEquals(2, p.encode()[0], "new entries are v2 (LZ4)");
        PendingImage q = PendingImage.decode(old);
        assertEquals(List.of(123L, 456L), List.of(q.recordTimestamp(), q.enqueuedWallMs()));
        assertEquals(List.of("src-9", "obj-9", "LSST", "g,r,i"), List.of(q.input().sourceId(), q.input().objectId(),
                q.input().survey(), String.join(",", q.input().bands())));
        assertEquals(60000.5, q.input().epochMjd());
        assertArrayEquals(img, q.input().image());
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
}
