package org.deepmerge.core.fits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import nom.tam.fits.BasicHDU;
import nom.tam.fits.Fits;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertReader;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;

/** Stamp decoding: every BITPIX, scaling, NaN policy, WCS scale, real FITS images, and hostile stamps. */
class StampDecoderTest {
    private final StampDecoder decoder = StampDecoder.withDefaults();

    private static CutoutStamp stamp(byte[] data) {
        return new CutoutStamp("science", "g", 1.0, data);
    }

    private DeepMergeException fails(Reason reason, byte[] data) {
        return fails(decoder, reason, data);
    }

    private static DeepMergeException fails(StampDecoder d, Reason reason, byte[] data) {
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> d.decode(stamp(data)));
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }

    private static byte[] gzip(byte[] b) {
        return StampEncoder.gzip(b);
    }

    // ---- pixel types and scaling

    @Test
    void everyBitpixWithBscaleAndBzero() throws Exception {
        Stamp f32 = decoder.decode(stamp(FitsBytes.image(-32, 3, 2).end().floats(1, 2, 3, 4, 5, 6.5f).bytes()));
        assertEquals(3, f32.width());
        assertEquals(2, f32.height());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6.5f}, f32.pixels());
        assertEquals(1.0, f32.pixelScaleArcsec(), 0, "no WCS: the stamp's survey scale");

        Stamp f64 = decoder.decode(stamp(FitsBytes.image(-64, 2, 2).card("BSCALE", 2.0).card("BZERO", 1.0).end()
                .doubles(0, 1, 2, 3).bytes()));
        assertArrayEquals(new float[] {1, 3, 5, 7}, f64.pixels());

        Stamp u16 = decoder.decode(stamp(FitsBytes.image(16, 2, 2).card("BSCALE", 1).card("BZERO", 32768).end()
                .shorts((short) -32768, (short) 0, (short) 32767, (short) -1).bytes()));
        assertArrayEquals(new float[] {0, 32768, 65535, 32767}, u16.pixels(), "unsigned 16-bit via BZERO");

        Stamp i32 = decoder.decode(stamp(FitsBytes.image(32, 2, 1).card("BSCALE", 0.5).end().ints(-4, 1000).bytes()));
        assertArrayEquals(new float[] {-2, 500}, i32.pixels());

        Stamp i64 = decoder.decode(stamp(FitsBytes.image(64, 2, 1).end().longs(-7, 7).bytes()));
        assertArrayEquals(new float[] {-7, 7}, i64.pixels());

        Stamp u8 = decoder.decode(stamp(FitsBytes.image(8, 3, 1).end().data(new byte[] {0, (byte) 200, (byte) 255}).bytes()));
        assertArrayEquals(new float[] {0, 200, 255}, u8.pixels(), "BITPIX 8 is unsigned");
    }

    @Test
    void nonFinitePixelsAndBlankAreReplacedByTheMedianAndCounted() throws Exception {
        Stamp s = decoder.decode(stamp(gzip(FitsBytes.image(-32, 3, 3).end()
                .floats(1, Float.NaN, 3, Float.POSITIVE_INFINITY, 5, 6, 7, Float.NEGATIVE_INFINITY, 9).bytes())));
        assertEquals(3, s.nonFiniteReplaced());
        // median of the finite pixels {1, 3, 5, 6, 7, 9} = (5 + 6) / 2
        assertArrayEquals(new float[] {1, 5.5f, 3, 5.5f, 5, 6, 7, 5.5f, 9}, s.pixels());

        Stamp blank = decoder.decode(stamp(FitsBytes.image(16, 3, 1).card("BLANK", -32768).end()
                .shorts((short) 10, (short) -32768, (short) 20).bytes()));
        assertEquals(1, blank.nonFiniteReplaced());
        assertArrayEquals(new float[] {10, 15, 20}, blank.pixels());

        fails(Reason.CORRUPT_FITS, FitsBytes.image(-32, 2, 1).end().floats(Float.NaN, Float.NaN).bytes());
    }

    @Test
    void selectFindsTheSameOrderStatisticAsASort() {
        Random random = new Random(11);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + random.nextInt(200);
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                values[i] = trial % 3 == 0 ? random.nextInt(5) : (float) random.nextGaussian();
            }
            float[] sorted = values.clone();
            Arrays.sort(sorted);
            int k = random.nextInt(n);
            float[] work = values.clone();
            assertEquals(sorted[k], StampDecoder.select(work, k), "n " + n + " k " + k);
            for (int i = 0; i < k; i++) {
                assertTrue(work[i] <= sorted[k], "a[" + i + "] above the k-th value");
            }
        }
    }

    @Test
    void forgedGzipSizeTrailerDoesNotChangeTheDecodedStamp() throws Exception {
        float[] pixels = new float[40 * 30];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = i * 0.5f;
        }
        byte[] gz = gzip(FitsBytes.image(-32, 40, 30).end().floats(pixels).bytes());
        for (int isize : new int[] {1, 0x7FFFFFFF, -1}) {
            byte[] forged = Arrays.copyOf(gz, gz.length);
            java.nio.ByteBuffer.wrap(forged, forged.length - 4, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(isize);
            // GZIPInputStream checks ISIZE after the data: a wrong one is a corrupt gzip, never a wrong image
            fails(Reason.CORRUPT_GZIP, forged);
        }
        assertArrayEquals(pixels, decoder.decode(stamp(gz)).pixels());
    }

    @Test
    void gunzipThenDecodeFitsIsDecode() throws Exception {
        float[] pixels = new float[40 * 30];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) Math.sin(i);
        }
        byte[] plain = FitsBytes.image(-32, 40, 30).end().floats(pixels).bytes();
        byte[] gz = gzip(plain);
        assertArrayEquals(plain, decoder.gunzip(gz, "gz"));
        assertTrue(decoder.gunzip(plain, "plain") == plain, "plain FITS is passed through, not copied");
        assertArrayEquals(decoder.decode(stamp(gz)).pixels(),
                decoder.decodeFits(decoder.gunzip(gz, "gz"), 1.0, "gz").pixels());
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> decoder.decodeFits(gz, 1.0, "stamp 7"));
        assertEquals(Reason.NOT_FITS, e.reason());
        assertTrue(e.getMessage().startsWith("stamp 7: stamp is gzip"), e.getMessage());
    }

    @Test
    void pixelScaleFromTheWcs() throws Exception {
        double deg = 0.2 / 3600;
        Stamp cd = decoder.decode(stamp(FitsBytes.image(-32, 1, 1).card("CD1_1", -deg).card("CD1_2", 0.0)
                .card("CD2_1", 0.0).card("CD2_2", deg).end().floats(1).bytes()));
        assertEquals(0.2, cd.pixelScaleArcsec(), 1e-9);

        // Rubin stamps: PC matrix (rotated) with CDELT = 1, no CTYPE
        double c = Math.cos(0.3) * deg;
        double s = Math.sin(0.3) * deg;
        Stamp pc = decoder.decode(stamp(FitsBytes.image(-32, 1, 1).card("PC1_1", c).card("PC1_2", -s)
                .card("PC2_1", s).card("PC2_2", c).card("CDELT1", 1.0).card("CDELT2", 1.0).end().floats(1).bytes()));
        assertEquals(0.2, pc.pixelScaleArcsec(), 1e-9);

        Stamp cdelt = decoder.decode(stamp(FitsBytes.image(-32, 1, 1).string("CTYPE1", "RA---TAN")
                .string("CTYPE2", "DEC--TAN").card("CDELT1", -0.396 / 3600).card("CDELT2", 0.396 / 3600).end()
                .floats(1).bytes()));
        assertEquals(0.396, cdelt.pixelScaleArcsec(), 1e-9);

        Stamp arcsec = decoder.decode(stamp(FitsBytes.image(-32, 1, 1).string("CTYPE1", "RA---TAN")
                .string("CUNIT1", "arcsec").card("CDELT1", 1.5).card("CDELT2", 1.5).end().floats(1).bytes()));
        assertEquals(1.5, arcsec.pixelScaleArcsec(), 1e-9);

        Stamp pixelUnits = decoder.decode(new CutoutStamp("science", "r", 1.012,
                FitsBytes.image(-32, 1, 1).card("CDELT1", 1.0).card("CDELT2", 1.0).end().floats(1).bytes()));
        assertEquals(1.012, pixelUnits.pixelScaleArcsec(), 0, "CDELT without celestial CTYPE is not a sky scale");
    }

    @Test
    void multiExtensionTakesThePrimaryOrTheFirstImageExtension() throws Exception {
        byte[] emptyPrimary = new FitsBytes().card("SIMPLE", "T").card("BITPIX", 8).card("NAXIS", 0).card("EXTEND", "T").end()
                .card("XTENSION", "'BINTABLE'").card("BITPIX", 8).card("NAXIS", 2).card("NAXIS1", 4).card("NAXIS2", 1)
                .card("PCOUNT", 0).card("GCOUNT", 1).card("TFIELDS", 1).string("TFORM1", "1E").end().floats(42)
                .card("XTENSION", "'IMAGE   '").card("BITPIX", -32).card("NAXIS", 2).card("NAXIS1", 2).card("NAXIS2", 1)
                .card("PCOUNT", 0).card("GCOUNT", 1).end().floats(7, 8)
                .card("XTENSION", "'IMAGE   '").card("BITPIX", -32).card("NAXIS", 2).card("NAXIS1", 1).card("NAXIS2", 1)
                .card("PCOUNT", 0).card("GCOUNT", 1).end().floats(9).bytes();
        Stamp s = decoder.decode(stamp(emptyPrimary));
        assertArrayEquals(new float[] {7, 8}, s.pixels(), "first IMAGE extension, after a table");

        byte[] tableOnly = new FitsBytes().card("SIMPLE", "T").card("BITPIX", 8).card("NAXIS", 0).end()
                .card("XTENSION", "'BINTABLE'").card("BITPIX", 8).card("NAXIS", 2).card("NAXIS1", 4).card("NAXIS2", 1)
                .card("PCOUNT", 0).card("GCOUNT", 1).card("TFIELDS", 1).string("TFORM1", "1E").end().floats(42).bytes();
        assertTrue(fails(Reason.CORRUPT_FITS, tableOnly).getMessage().contains("no image"));

        Stamp cube1 = decoder.decode(stamp(new FitsBytes().card("SIMPLE", "T").card("BITPIX", -32).card("NAXIS", 3)
                .card("NAXIS1", 2).card("NAXIS2", 2).card("NAXIS3", 1).end().floats(1, 2, 3, 4).bytes()));
        assertArrayEquals(new float[] {1, 2, 3, 4}, cube1.pixels(), "NAXIS3 = 1 is a 2-D image");
    }

    @Test
    void wrongShapes() {
        DeepMergeException e = fails(Reason.WRONG_SHAPE, new FitsBytes().card("SIMPLE", "T").card("BITPIX", -32)
                .card("NAXIS", 3).card("NAXIS1", 2).card("NAXIS2", 2).card("NAXIS3", 3).end().floats(new float[12]).bytes());
        assertTrue(e.getMessage().contains("2x2x3"), e.getMessage());
        fails(Reason.WRONG_SHAPE, new FitsBytes().card("SIMPLE", "T").card("BITPIX", -32).card("NAXIS", 1)
                .card("NAXIS1", 5).end().floats(new float[5]).bytes());
    }

    // ---- real images

    @Test
    void realFitsImagesDecodeAsPlainFits() throws Exception {
        for (String name : new String[] {"images/iraf_dev_pix_m51_B.fits", "images/ccdproc_a8280271_SAAO.fits"}) {
            Path file = TestData.require(name);
            Stamp s = decoder.decode(new CutoutStamp("science", "B", 1.0, Files.readAllBytes(file)));
            try (Fits fits = new Fits(file.toFile())) {
                BasicHDU<?> hdu = fits.getHDU(0);
                short[][] raw = (short[][]) hdu.getKernel();
                assertEquals(raw[0].length, s.width(), name);
                assertEquals(raw.length, s.height(), name);
                double bzero = hdu.getHeader().getDoubleValue("BZERO", 0);
                double bscale = hdu.getHeader().getDoubleValue("BSCALE", 1);
                for (int y = 0; y < raw.length; y += 7) {
                    for (int x = 0; x < raw[0].length; x += 5) {
                        assertEquals((float) (bzero + bscale * raw[y][x]), s.pixels()[y * s.width() + x], name);
                    }
                }
            }
        }
        Stamp m51 = decoder.decode(new CutoutStamp("science", "B", 1.0,
                Files.readAllBytes(TestData.require("images/iraf_dev_pix_m51_B.fits"))));
        assertEquals(512, m51.width());
        assertEquals(512, m51.height());
        Stamp saao = decoder.decode(new CutoutStamp("science", "V", 1.0,
                Files.readAllBytes(TestData.require("images/ccdproc_a8280271_SAAO.fits"))));
        assertEquals(536, saao.width());
        assertEquals(520, saao.height());
        for (float v : saao.pixels()) {
            assertTrue(v >= 0 && v <= 65535, "unsigned 16-bit via BZERO 32768: " + v);
        }
    }

    // ---- hostile stamps

    @Test
    void declared100000x100000IsRejectedBeforeAllocating() {
        byte[] header = FitsBytes.image(-32, 100000, 100000).end().bytes();
        DeepMergeException e = fails(Reason.STAMP_TOO_LARGE, header);
        assertTrue(e.getMessage().contains("NAXIS1 = 100000"), e.getMessage());
        fails(Reason.STAMP_TOO_LARGE, gzip(header));
    }

    @Test
    void theLargestStampTheLimitsAllow4096x4096IsAcceptedGzippedOrPlain() throws Exception {
        int side = StampLimits.defaults().maxAxisLength();
        assertEquals(4096, side, "docs/formats.md documents 4096 px per axis");
        float[] pixels = new float[side * side];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (i % 4099) * 0.25f; // repeats every 16 KB: gzip squeezes the 64 MiB well below 16 MiB
        }
        byte[] plain = StampEncoder.encode(side, side, pixels, Double.NaN, 0, 0, false);
        byte[] gz = gzip(plain);
        // 64 MiB of pixels plus the header used to exceed the 64 MiB inflate limit; the plain file the 16 MiB stamp limit
        InflateBudget budget = new InflateBudget(InflateBudget.DEFAULT_BYTES);
        StampDecoder d = new StampDecoder(StampLimits.defaults(), budget);
        for (byte[] bytes : List.of(gz, plain)) {
            Stamp s = d.decode(bytes, 1.0, bytes == gz ? "gzipped 4096x4096" : "plain 4096x4096");
            assertEquals(side, s.width());
            assertEquals(side, s.height());
            assertEquals(pixels[pixels.length - 1], s.pixels()[pixels.length - 1]);
            assertEquals(pixels[side + 7], s.pixels()[side + 7]);
        }
        assertEquals(0, budget.inUse(), "every inflate buffer returned");
        assertTrue(budget.peak() > 64L << 20 && budget.peak() <= budget.capacity(), "peak " + budget.peak());
    }

    @Test
    void theByteLimitsAreInclusive() throws Exception {
        float[] pixels = new float[63 * 63];
        Arrays.fill(pixels, 1.5f);
        byte[] fits = StampEncoder.encode(63, 63, pixels, Double.NaN, 0, 0, false);
        byte[] gz = gzip(fits);
        StampDecoder exact = new StampDecoder(new StampLimits(Math.max(gz.length, fits.length), fits.length, 63));
        assertEquals(63, exact.decode(gz, 1.0, "gzip inflating to exactly the limit").width());
        assertEquals(63, exact.decode(fits, 1.0, "plain stamp of exactly the limit").height());
        StampDecoder under = new StampDecoder(new StampLimits(fits.length, fits.length - 1, 63));
        assertTrue(fails(under, Reason.STAMP_TOO_LARGE, gz).getMessage().contains("inflates to more than"));
        fails(new StampDecoder(new StampLimits(fits.length - 1, fits.length, 63)), Reason.STAMP_TOO_LARGE, fits);
    }

    @Test
    void oneMorePixelOrMoreBytesPerPixelThanThe4096LimitIsRejectedNamingTheLimit() {
        DeepMergeException e = fails(Reason.STAMP_TOO_LARGE, FitsBytes.image(-32, 4097, 4096).end().bytes());
        assertTrue(e.getMessage().contains("NAXIS1 = 4097, above the limit of 4096 px"), e.getMessage());
        e = fails(Reason.STAMP_TOO_LARGE, gzip(FitsBytes.image(-32, 4096, 4097).end().bytes()));
        assertTrue(e.getMessage().contains("NAXIS2 = 4097, above the limit of 4096 px"), e.getMessage());
        // 4096 x 4096 at 64 bits per pixel is 128 MiB of data: within the axis limit, above the data limit
        e = fails(Reason.STAMP_TOO_LARGE, FitsBytes.image(-64, 4096, 4096).end().bytes());
        assertTrue(e.getMessage().contains("134217728 data bytes, above the limit of "
                + StampLimits.defaults().maxDecompressedBytes()), e.getMessage());
    }

    @Test
    void declaredSizesBeyondTheHeapAreRejectedEvenWithinTheAxisLimit() {
        // 50000 x 50000 x 8 bytes = 20 GB: allocating it in this -Xmx4g JVM would throw OutOfMemoryError
        StampDecoder lenient = new StampDecoder(new StampLimits(16L << 20, 64L << 20, 1_000_000));
        byte[] header = FitsBytes.image(-64, 50000, 50000).end().bytes();
        DeepMergeException e = fails(lenient, Reason.STAMP_TOO_LARGE, header);
        assertTrue(e.getMessage().contains("50000"), e.getMessage());
        // within every limit but the data are not there: truncated, still without allocating 64 MB
        byte[] liar = FitsBytes.image(-32, 4000, 4000).end().floats(1, 2, 3).bytes();
        assertTrue(fails(Reason.CORRUPT_FITS, liar).getMessage().contains("truncated"));
    }

    @Test
    void gzipBombIsStoppedWhileInflating() {
        // 16384 x 16384 float32 = 1 GiB of zeros after a valid header, as a multi-member gzip stream (RFC 1952
        // 2.2): one member for the header, then 1024 members of 1 MiB of zeros each; never held inflated
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        compressed.writeBytes(gzip(FitsBytes.image(-32, 16384, 16384).end().bytes()));
        byte[] mebibyteOfZeros = gzip(new byte[1 << 20]);
        for (int i = 0; i < 1024; i++) {
            compressed.writeBytes(mebibyteOfZeros);
        }
        byte[] bomb = compressed.toByteArray();
        assertTrue(bomb.length < (4 << 20), "bomb is small: " + bomb.length);
        DeepMergeException e = fails(Reason.STAMP_TOO_LARGE, bomb);
        assertTrue(e.getMessage().contains("inflates to more than " + StampLimits.defaults().maxDecompressedBytes()),
                e.getMessage());
        StampDecoder tight = new StampDecoder(new StampLimits(16L << 20, 1L << 20, 4096));
        assertTrue(fails(tight, Reason.STAMP_TOO_LARGE, bomb).getMessage().contains("inflates to more than 1048576"));
        StampDecoder small = new StampDecoder(new StampLimits(1L << 10, 64L << 20, 4096));
        assertTrue(fails(small, Reason.STAMP_TOO_LARGE, bomb).getMessage().contains("exceeds the limit of 1024 bytes"));
    }

    @Test
    void notFitsGarbageJpegPng() throws Exception {
        byte[] garbage = new byte[5000];
        new Random(7).nextBytes(garbage);
        garbage[0] = 0x12;
        assertTrue(fails(Reason.NOT_FITS, garbage).getMessage().contains("starting with 12"));

        byte[] jpeg = Files.readAllBytes(TestData.require("images/hubble_deep_field.jpg"));
        DeepMergeException e = fails(Reason.NOT_FITS, jpeg);
        assertTrue(e.getMessage().endsWith("stamp is JPEG, not FITS"), e.getMessage());
        assertTrue(fails(Reason.NOT_FITS, gzip(jpeg)).getMessage().contains("gzip content is JPEG, not FITS"));

        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0};
        assertTrue(fails(Reason.NOT_FITS, png).getMessage().contains("stamp is PNG, not FITS"));
        fails(Reason.NOT_FITS, new byte[0]);
    }

    @Test
    void truncatedAndCorruptGzipAndFits() throws Exception {
        AlertReader reader = new AlertReader(null);
        Path ztfFile;
        try (var files = Files.list(TestData.require("alerts/ztf"))) {
            ztfFile = files.sorted().findFirst().orElseThrow();
        }
        byte[] ztfStamp = reader.read(Files.readAllBytes(ztfFile)).stamp("template").orElseThrow().data();
        DeepMergeException e = fails(Reason.CORRUPT_GZIP, Arrays.copyOf(ztfStamp, ztfStamp.length / 2));
        assertTrue(e.getMessage().contains("truncated gzip"), e.getMessage());
        byte[] flipped = ztfStamp.clone();
        for (int i = 20; i < 60; i++) {
            flipped[i] ^= 0x5A;
        }
        fails(Reason.CORRUPT_GZIP, flipped);

        Path rubinFile;
        try (var files = Files.list(TestData.require("alerts/rubin-v9_0"))) {
            rubinFile = files.sorted().findFirst().orElseThrow();
        }
        Alert rubin = reader.read(Files.readAllBytes(rubinFile));
        byte[] fits = rubin.stamp("science").orElseThrow().data();
        e = fails(Reason.CORRUPT_FITS, Arrays.copyOf(fits, 2880 + 1000));
        assertTrue(e.getMessage().contains("truncated FITS"), e.getMessage());
        e = fails(Reason.CORRUPT_FITS, Arrays.copyOf(fits, 1000));
        assertTrue(e.getMessage().contains("no END card"), e.getMessage());
        fails(Reason.CORRUPT_FITS, gzip(Arrays.copyOf(fits, 2880 + 1000)));
        // a header that never ends
        byte[] endless = new byte[2880 * 100];
        Arrays.fill(endless, (byte) ' ');
        System.arraycopy("SIMPLE  =                    T".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, endless, 0, 30);
        assertTrue(fails(Reason.CORRUPT_FITS, endless).getMessage().contains("no END card"));
        // the whole file without its trailing padding still decodes
        byte[] padded = FitsBytes.image(-32, 30, 30).end().floats(new float[900]).bytes();
        assertEquals(2880 * 3, padded.length);
        Stamp st = decoder.decode(stamp(Arrays.copyOf(padded, 2880 + 900 * 4)));
        assertEquals(30, st.width());
    }

    // ---- stamps that are corrupt in ways a lenient reader scores as if they were fine

    /** The offset of the first END card of the header starting at 0. */
    private static int endCard(byte[] fits) {
        for (int p = 0; p + 80 <= fits.length; p += 80) {
            if (new String(fits, p, 8, java.nio.charset.StandardCharsets.US_ASCII).equals("END     ")) {
                return p;
            }
        }
        throw new AssertionError("no END card");
    }

    @Test
    void rubinStampWithoutItsPrimaryEndCardIsCorruptNotItsUncertExtension() throws Exception {
        Path rubinFile;
        try (var files = Files.list(TestData.require("alerts/rubin-v9_0"))) {
            rubinFile = files.sorted().findFirst().orElseThrow();
        }
        byte[] fits = new AlertReader(null).read(Files.readAllBytes(rubinFile)).stamp("science").orElseThrow().data();
        decoder.decode(stamp(fits));
        byte[] noEnd = fits.clone();
        int end = endCard(noEnd);
        Arrays.fill(noEnd, end, end + 3, (byte) ' ');
        DeepMergeException e = fails(Reason.CORRUPT_FITS, noEnd);
        assertTrue(e.getMessage().contains("HDU 0") && e.getMessage().contains("no END card"), e.getMessage());

        byte[] synthetic = FitsBytes.image(-32, 2, 1).end().floats(1, 2)
                .card("XTENSION", "'IMAGE   '").card("BITPIX", -32).card("NAXIS", 2).card("NAXIS1", 1).card("NAXIS2", 1)
                .card("PCOUNT", 0).card("GCOUNT", 1).end().floats(9).bytes();
        assertArrayEquals(new float[] {1, 2}, decoder.decode(stamp(synthetic)).pixels());
        Arrays.fill(synthetic, endCard(synthetic), endCard(synthetic) + 3, (byte) ' ');
        e = fails(Reason.CORRUPT_FITS, synthetic);
        assertTrue(e.getMessage().contains("no END card"), e.getMessage());
    }

    @Test
    void unparseableScalingKeywordsAreCorruptNotDefaults() {
        DeepMergeException e = fails(Reason.CORRUPT_FITS, FitsBytes.image(-32, 2, 1).string("BSCALE", "two").end()
                .floats(1, 2).bytes());
        assertTrue(e.getMessage().contains("BSCALE"), e.getMessage());
        e = fails(Reason.CORRUPT_FITS, FitsBytes.image(16, 2, 1).card("BZERO", "1.0.0").end()
                .shorts((short) 1, (short) 2).bytes());
        assertTrue(e.getMessage().contains("BZERO"), e.getMessage());
        e = fails(Reason.CORRUPT_FITS, FitsBytes.image(16, 2, 1).card("BSCALE", 0).end()
                .shorts((short) 1, (short) 2).bytes());
        assertTrue(e.getMessage().contains("BSCALE"), e.getMessage());
    }

    @Test
    void fortranExponentsAreNumbers() throws Exception {
        Stamp s = decoder.decode(stamp(FitsBytes.image(16, 2, 1).card("BSCALE", "2.0D0").card("BZERO", "1.0E+1").end()
                .shorts((short) 1, (short) 2).bytes()));
        assertArrayEquals(new float[] {12, 14}, s.pixels());
    }

    @Test
    void simpleFalseAndNonIntegerAxesAreCorrupt() {
        DeepMergeException e = fails(Reason.CORRUPT_FITS, new FitsBytes().card("SIMPLE", "F").card("BITPIX", -32)
                .card("NAXIS", 2).card("NAXIS1", 2).card("NAXIS2", 1).end().floats(1, 2).bytes());
        assertTrue(e.getMessage().contains("SIMPLE"), e.getMessage());
        e = fails(Reason.CORRUPT_FITS, new FitsBytes().card("SIMPLE", "T").card("BITPIX", -32).card("NAXIS", 2).card("NAXIS1", "63.5")
                .card("NAXIS2", 1).end().floats(new float[64]).bytes());
        assertTrue(e.getMessage().contains("NAXIS1") && e.getMessage().contains("63.5"), e.getMessage());
        e = fails(Reason.CORRUPT_FITS, new FitsBytes().card("SIMPLE", "T").card("BITPIX", "-32.0").card("NAXIS", 2)
                .card("NAXIS1", 2).card("NAXIS2", 1).end().floats(1, 2).bytes());
        assertTrue(e.getMessage().contains("BITPIX"), e.getMessage());
    }

    @Test
    void bytesAfterTheGzipMemberAreCorruptButAnotherMemberIsGzip() throws Exception {
        byte[] fits = FitsBytes.image(-32, 2, 1).end().floats(1, 2).bytes();
        byte[] gz = gzip(fits);
        assertArrayEquals(new float[] {1, 2}, decoder.decode(stamp(gz)).pixels());
        byte[] trailing = Arrays.copyOf(gz, gz.length + 7);
        System.arraycopy("garbage".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, trailing, gz.length, 7);
        DeepMergeException e = fails(Reason.CORRUPT_GZIP, trailing);
        assertTrue(e.getMessage().contains("7 bytes after"), e.getMessage());
        fails(Reason.CORRUPT_GZIP, Arrays.copyOf(gz, gz.length + 1));

        // RFC 1952: a gzip file is a series of members; two members inflate to their concatenation
        byte[] half1 = gzip(Arrays.copyOf(fits, 2880));
        byte[] half2 = gzip(Arrays.copyOfRange(fits, 2880, fits.length));
        byte[] two = Arrays.copyOf(half1, half1.length + half2.length);
        System.arraycopy(half2, 0, two, half1.length, half2.length);
        assertArrayEquals(new float[] {1, 2}, decoder.decode(stamp(two)).pixels());
    }

    @Test
    void missingCutoutNamesTheKind() {
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> decoder.decode(new CutoutStamp("template", "r", 1.012, null)));
        assertEquals(Reason.MISSING_CUTOUT, e.reason());
        assertEquals("cutoutTemplate is null", e.getMessage());
    }
}
