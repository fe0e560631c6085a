package org.deepmerge.core.alert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.fits.StampDecoder;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;

/** Every real ZTF and Rubin alert in the shared data decodes, with sane ids, positions and stamps. */
class RealAlertsTest {
    private static final Pattern ZTF_OBJECT_ID = Pattern.compile("ZTF\\d\\d[a-z]{7}");

    private final AlertReader reader = new AlertReader(null);
    private final StampDecoder decoder = StampDecoder.withDefaults();

    static List<Path> files(String dir) throws IOException {
        try (Stream<Path> s = Files.list(TestData.require(dir))) {
            return s.filter(p -> p.toString().endsWith(".avro")).sorted().collect(Collectors.toList());
        }
    }

    private static String schemaVersion(byte[] bytes) throws IOException {
        try (DataFileStream<GenericRecord> in = new DataFileStream<>(new ByteArrayInputStream(bytes), new GenericDatumReader<>())) {
            return String.valueOf(in.next().get("schemavsn"));
        }
    }

    /**
     * A reader told to decode one cutout kind per survey gives every real ZTF and Rubin alert with the same
     * identifiers, position and epoch and only that kind's stamp, byte for byte the one the full reader gives.
     */
    @Test
    void readingOnlyTheMappedCutoutKindKeepsEverythingElse() throws Exception {
        AlertReader onlyTemplate = new AlertReader(null, survey -> Set.of("ZTF".equals(survey) ? "template" : "difference"));
        int alerts = 0;
        for (String dir : List.of("alerts/ztf", "alerts/rubin-v9_0")) {
            for (Path f : files(dir)) {
                byte[] bytes = Files.readAllBytes(f);
                Alert full = reader.read(bytes);
                Alert part = onlyTemplate.read(bytes);
                String kind = "ZTF".equals(full.survey()) ? "template" : "difference";
                assertEquals(full.sourceId(), part.sourceId(), f.toString());
                assertEquals(full.objectId(), part.objectId(), f.toString());
                assertEquals(full.ra(), part.ra());
                assertEquals(full.dec(), part.dec());
                assertEquals(full.epochMjd(), part.epochMjd());
                assertEquals(1, part.stamps().size(), f + ": " + part.stamps());
                CutoutStamp expected = full.stamps().stream().filter(st -> st.kind().equals(kind)).findFirst().orElseThrow();
                CutoutStamp got = part.stamps().get(0);
                assertEquals(kind, got.kind());
                assertEquals(expected.band(), got.band());
                assertArrayEquals(expected.data(), got.data(), f.toString());
                alerts++;
            }
        }
        assertEquals(87 + 288, alerts);
    }

    @Test
    void allZtfAlertsDecodeWithTheirStamps() throws Exception {
        List<Path> files = files("alerts/ztf");
        assertEquals(87, files.size(), "ZTF alert files");
        Set<String> versions = new TreeSet<>();
        Map<String, Integer> shapes = new TreeMap<>();
        int stamps = 0;
        int full = 0;
        long nonFinite = 0;
        long nanos = 0;
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            assertEquals(AlertFormat.ZTF_AVRO_CONTAINER, reader.detect(bytes), f.toString());
            Alert a = reader.read(bytes);
            versions.add(schemaVersion(bytes));
            String name = f.getFileName().toString();
            assertEquals(AlertFormat.ZTF_AVRO_CONTAINER, a.format());
            assertEquals("ZTF", a.survey());
            assertTrue(ZTF_OBJECT_ID.matcher(a.objectId()).matches(), "objectId " + a.objectId());
            assertEquals(name, a.objectId() + "_" + a.sourceId() + ".avro", "file name is objectId_candid");
            assertTrue(Long.parseLong(a.sourceId()) > 0);
            assertTrue(a.ra() >= 0 && a.ra() < 360, "ra " + a.ra());
            assertTrue(a.dec() >= -90 && a.dec() <= 90, "dec " + a.dec());
            assertTrue(a.epochMjd() > 58000 && a.epochMjd() < 62000, "ZTF epoch (MJD) " + a.epochMjd());
            assertEquals(List.of("science", "template", "difference"),
                    a.stamps().stream().map(CutoutStamp::kind).collect(Collectors.toList()));
            for (CutoutStamp s : a.stamps()) {
                assertTrue(Set.of("g", "r", "i").contains(s.band()), "band " + s.band());
                assertTrue(s.present(), name + " " + s.kind());
                assertEquals(0x1F, s.data()[0] & 0xFF, "ZTF stamps are gzipped");
                long t0 = System.nanoTime();
                Stamp st = decoder.decode(s);
                nanos += System.nanoTime() - t0;
                stamps++;
                assertTrue(st.width() <= 63 && st.height() <= 63, name + " stamp " + st.width() + "x" + st.height());
                if (st.width() == 63 && st.height() == 63) {
                    full++;
                }
                shapes.merge(st.width() + "x" + st.height(), 1, Integer::sum);
                assertEquals(AlertReader.ZTF_PIXEL_SCALE_ARCSEC, st.pixelScaleArcsec(), 0, "no WCS: survey scale");
                for (float v : st.pixels()) {
                    assertTrue(Float.isFinite(v));
                }
                nonFinite += st.nonFiniteReplaced();
            }
        }
        assertTrue(versions.containsAll(Set.of("3.2", "3.3")), "schema versions seen: " + versions);
        assertEquals(3 * 87, stamps);
        assertTrue(full >= 0.9 * stamps, "mostly 63x63: " + shapes);
        List<CutoutStamp> all = new java.util.ArrayList<>();
        for (Path f : files) {
            all.addAll(reader.read(Files.readAllBytes(f)).stamps());
        }
        long warm = System.nanoTime();
        for (CutoutStamp s : all) {
            decoder.decode(s);
        }
        warm = System.nanoTime() - warm;
        System.out.printf("ZTF: %d stamps %s, %d NaN/Inf replaced; decode (gunzip + FITS + NaN fill) first pass %.3f"
                + " ms/stamp, second pass %.3f ms/stamp%n", stamps, shapes, nonFinite, nanos / 1e6 / stamps,
                warm / 1e6 / all.size());
    }

    @Test
    void allRubinAlertsDecodeWithTheirStamps() throws Exception {
        List<Path> files = files("alerts/rubin-v9_0");
        assertEquals(288, files.size(), "Rubin alert files");
        Map<String, Integer> shapes = new TreeMap<>();
        Map<String, Integer> bands = new TreeMap<>();
        int present = 0;
        int missing = 0;
        int withoutObject = 0;
        double minScale = Double.MAX_VALUE;
        double maxScale = 0;
        long nanos = 0;
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            Alert a = reader.read(bytes);
            String name = f.getFileName().toString();
            assertEquals(AlertFormat.RUBIN_AVRO_CONTAINER, a.format());
            assertEquals("LSST", a.survey());
            assertTrue(name.startsWith(a.sourceId() + "_"), name + " vs diaSourceId " + a.sourceId());
            if (a.objectId() == null) {
                withoutObject++;
            } else {
                assertTrue(Long.parseLong(a.objectId()) > 0);
            }
            assertTrue(a.ra() >= 0 && a.ra() < 360, "ra " + a.ra());
            assertTrue(a.dec() >= -90 && a.dec() <= 90, "dec " + a.dec());
            assertTrue(a.epochMjd() > 50000 && a.epochMjd() < 70000, "Rubin epoch (MJD TAI) " + a.epochMjd());
            bands.merge(a.stamps().get(0).band(), 1, Integer::sum);
            int[] scienceShape = null;
            for (CutoutStamp s : a.stamps()) {
                assertTrue(Set.of("u", "g", "r", "i", "z", "y").contains(s.band()), "band " + s.band());
                if (!s.present()) {
                    missing++;
                    DeepMergeException e = assertThrowsReason(Reason.MISSING_CUTOUT, s);
                    assertTrue(e.getMessage().contains("cutout"), e.getMessage());
                    continue;
                }
                present++;
                assertEquals('S', (char) s.data()[0], "Rubin stamps are plain FITS");
                long t0 = System.nanoTime();
                Stamp st = decoder.decode(s);
                nanos += System.nanoTime() - t0;
                assertEquals(st.width(), st.height(), name + " " + s.kind() + " square");
                assertTrue(st.width() >= 30 && st.width() <= 80, name + " " + st.width());
                shapes.merge(st.width() + "x" + st.height(), 1, Integer::sum);
                minScale = Math.min(minScale, st.pixelScaleArcsec());
                maxScale = Math.max(maxScale, st.pixelScaleArcsec());
                if (s.kind().equals("science")) {
                    scienceShape = new int[] {st.width(), st.height()};
                } else if (s.kind().equals("difference")) {
                    assertArrayEquals(scienceShape, new int[] {st.width(), st.height()}, "difference has the science shape");
                }
            }
        }
        assertEquals(3 * 288, present + missing);
        assertTrue(present > 0);
        assertTrue(minScale >= 0.15 && maxScale <= 0.21, "WCS pixel scales " + minScale + ".." + maxScale);
        System.out.printf("Rubin: %d stamps present, %d null (MISSING_CUTOUT), %d alerts without diaObjectId, bands %s,"
                + " shapes %s, WCS scale %.4f..%.4f arcsec/px, decode %.3f ms/stamp%n",
                present, missing, withoutObject, bands, shapes, minScale, maxScale, nanos / 1e6 / Math.max(1, present));
    }

    @Test
    void officialFakeAlertsDecodeWithAbsentStamps() throws Exception {
        for (String v : List.of("v7_4", "v9_0", "v10_0", "v11_0")) {
            byte[] bytes = Files.readAllBytes(TestData.require("schemas/lsst/" + v + "/fakeAlert.avro"));
            Alert a = reader.read(bytes);
            assertEquals(AlertFormat.RUBIN_AVRO_CONTAINER, a.format(), v);
            assertEquals("LSST", a.survey());
            assertNotNull(a.sourceId());
            assertEquals(3, a.stamps().size());
            for (CutoutStamp s : a.stamps()) {
                assertTrue(!s.present(), v + " " + s.kind());
                DeepMergeException e = assertThrowsReason(Reason.MISSING_CUTOUT, s);
                assertEquals(AlertMapping.cutoutField(s.kind()) + " is null", e.getMessage());
            }
        }
    }

    private DeepMergeException assertThrowsReason(Reason reason, CutoutStamp s) {
        DeepMergeException e = org.junit.jupiter.api.Assertions.assertThrows(DeepMergeException.class, () -> decoder.decode(s));
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }
}
