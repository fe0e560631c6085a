package org.deepmerge.core.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.SeekableByteArrayInput;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.deepmerge.core.fits.StampLimits;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ResampleMode;
import org.deepmerge.core.pipeline.CutoutPipeline;
import org.deepmerge.core.pipeline.PreparedImage;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;

/** The gate on the real ZTF and Rubin alerts of ../shared/data, for the new default model's contract (40x40 @ 1.2"). */
class RealAlertsGateTest {
    static final ModelContract CONTRACT = ApplicabilityGateTest.contract(ResampleMode.ANGULAR);
    static final CutoutPipeline PIPELINE =
            CutoutPipeline.create(CONTRACT, null, ChannelMapping.defaults(), StampLimits.defaults());

    static List<Path> files(String dir) throws IOException {
        try (Stream<Path> s = Files.list(TestData.require(dir))) {
            return s.sorted().toList();
        }
    }

    /** Reads candidate.sgscore1 and distpsnr1 straight from the file, independently of the alert mapping. */
    static boolean catalogueStar(byte[] bytes, GateConfig cfg) throws IOException {
        try (DataFileReader<GenericRecord> r = new DataFileReader<>(new SeekableByteArrayInput(bytes),
                new GenericDatumReader<>())) {
            GenericRecord cand = (GenericRecord) r.next().get("candidate");
            Object sg = cand.getSchema().getField("sgscore1") == null ? null : cand.get("sgscore1");
            Object d = cand.getSchema().getField("distpsnr1") == null ? null : cand.get("distpsnr1");
            return sg instanceof Number && d instanceof Number && ((Number) d).doubleValue() >= 0
                    && ((Number) sg).doubleValue() > cfg.maxPsStarScore()
                    && ((Number) d).doubleValue() <= cfg.maxPsDistanceArcsec();
        }
    }

    @Test
    void everyZtfAlertOnAPs1StarIsNotApplicableFromTheCatalogue() throws Exception {
        List<Path> ztf = files("alerts/ztf");
        assertEquals(87, ztf.size());
        Map<NotApplicableReason, Integer> counts = new EnumMap<>(NotApplicableReason.class);
        int stars = 0;
        int applicable = 0;
        List<String> lines = new ArrayList<>();
        for (Path f : ztf) {
            byte[] bytes = Files.readAllBytes(f);
            boolean star = catalogueStar(bytes, GateConfig.defaults());
            PreparedImage p = PIPELINE.prepare(bytes);
            Applicability a = p.applicability();
            if (star) {
                stars++;
                assertEquals(NotApplicableReason.POINT_SOURCE_CATALOGUE, a.reason(), f + ": " + a.detail());
            } else {
                assertTrue(a.reason() != NotApplicableReason.POINT_SOURCE_CATALOGUE, f + ": " + a.detail());
            }
            if (a.applicable()) {
                applicable++;
            } else {
                counts.merge(a.reason(), 1, Integer::sum);
            }
            lines.add(f.getFileName() + " " + (a.applicable() ? "APPLICABLE" : a.reason()) + " " + a.detail());
        }
        System.out.println("ZTF gate verdicts (40x40 @ 1.2\"/px, template):");
        lines.forEach(l -> System.out.println("  " + l));
        System.out.println("ZTF: catalogue stars " + stars + ", applicable " + applicable + ", not applicable " + counts);
        assertTrue(stars > 0, "the real alerts include alerts on PS1 stars");
        assertEquals(stars, counts.getOrDefault(NotApplicableReason.POINT_SOURCE_CATALOGUE, 0));
        assertTrue(applicable > 0, "some real ZTF alerts are on galaxies");
        assertEquals(0, counts.getOrDefault(NotApplicableReason.STAMP_TOO_SMALL, 0), "63 px ZTF stamps cover 63.8\"");
    }

    @Test
    void everyRubinAlertIsTooSmallForA48ArcsecField() throws Exception {
        List<Path> rubin = files("alerts/rubin-v9_0");
        assertEquals(288, rubin.size());
        int small = 0;
        for (Path f : rubin) {
            PreparedImage p = PIPELINE.prepare(Files.readAllBytes(f));
            assertEquals(NotApplicableReason.STAMP_TOO_SMALL, p.applicability().reason(),
                    f + ": " + p.applicability().detail());
            assertTrue(p.applicability().detail().contains("48.0 x 48.0 arcsec"), p.applicability().detail());
            small++;
        }
        System.out.println("Rubin: STAMP_TOO_SMALL " + small + " of " + rubin.size());
        assertEquals(288, small);
    }
}
