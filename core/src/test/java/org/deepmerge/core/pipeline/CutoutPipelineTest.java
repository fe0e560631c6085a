package org.deepmerge.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.alert.AlertReader;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.fits.StampDecoder;
import org.deepmerge.core.fits.StampLimits;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;
import org.deepmerge.core.morphology.Morphology;
import org.deepmerge.core.morphology.MorphologyMeasurement;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.core.preprocess.Preprocessor;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;

/** The shared bytes-to-model-input path on every real ZTF and Rubin alert. */
class CutoutPipelineTest {

    private static ModelContract contract(List<String> channels) {
        return new ModelContract("images", -1, channels, 75, 75, 0.1875, ResampleMode.ANGULAR, Normalisation.none(),
                "p", OutputKind.SIGMOID, List.of("non-merger", "merger"), 1, "test", "1", Map.of());
    }

    private static final CutoutPipeline GRI =
            CutoutPipeline.create(contract(List.of("g", "r", "i")), null, ChannelMapping.defaults(), StampLimits.defaults());

    private static List<byte[]> messages(String dir) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(TestData.require(dir))) {
            for (Path f : files.sorted().toList()) {
                out.add(Files.readAllBytes(f));
            }
        }
        return out;
    }

    private static void checkImage(PreparedImage p) {
        assertEquals(3 * 75 * 75, p.image().length);
        double sumAbs = 0;
        for (float v : p.image()) {
            assertTrue(Float.isFinite(v));
            sumAbs += Math.abs(v);
        }
        assertTrue(sumAbs > 0, "the template stamp fills the image: " + p.alert().sourceId());
        assertEquals(3, p.bands().size());
    }

    @Test
    void preparesEveryZtfAlertFromItsTemplateReplicatedOverGri() throws Exception {
        List<byte[]> ztf = messages("alerts/ztf");
        assertEquals(87, ztf.size());
        for (byte[] m : ztf) {
            PreparedImage p = GRI.prepare(m);
            checkImage(p);
            assertEquals("ZTF", p.alert().survey());
            assertEquals(1, Set.copyOf(p.bands()).size(), "one ZTF band fills all three channels");
            assertTrue(p.incomplete(), "two of g,r,i have no stamp of their own band");
        }
    }

    @Test
    void preparesEveryRubinAlert() throws Exception {
        List<byte[]> rubin = messages("alerts/rubin-v9_0");
        assertEquals(288, rubin.size());
        for (byte[] m : rubin) {
            PreparedImage p = GRI.prepare(m);
            checkImage(p);
            assertEquals("LSST", p.alert().survey());
        }
    }

    @Test
    void aChannelOfTheAlertsOwnBandIsComplete() throws Exception {
        CutoutPipeline r = CutoutPipeline.create(contract(List.of("r")), null, ChannelMapping.defaults(),
                StampLimits.defaults());
        int rBand = 0;
        for (byte[] m : messages("alerts/ztf")) {
            PreparedImage p = r.prepare(m);
            boolean isR = p.alert().stamp("template").orElseThrow().band().equals("r");
            rBand += isR ? 1 : 0;
            assertEquals(!isR, p.incomplete(), p.alert().sourceId());
            assertEquals(75 * 75, p.image().length);
        }
        assertTrue(rBand > 0);
    }

    @Test
    void failuresCarryTheReasonOfTheStepThatFailed() throws Exception {
        byte[] jpeg = Files.readAllBytes(TestData.require("images/hubble_deep_field.jpg"));
        assertEquals(Reason.UNKNOWN_FORMAT, assertThrows(DeepMergeException.class, () -> GRI.prepare(jpeg)).reason());

        Alert alert = GRI.reader().read(messages("alerts/ztf").get(0));
        List<CutoutStamp> noTemplate = new ArrayList<>();
        List<CutoutStamp> jpegTemplate = new ArrayList<>();
        for (CutoutStamp s : alert.stamps()) {
            boolean t = s.kind().equals("template");
            noTemplate.add(t ? new CutoutStamp(s.kind(), s.band(), s.pixelScaleArcsec(), null) : s);
            jpegTemplate.add(t ? new CutoutStamp(s.kind(), s.band(), s.pixelScaleArcsec(), jpeg) : s);
        }
        DeepMergeException missing = assertThrows(DeepMergeException.class, () -> GRI.prepare(withStamps(alert, noTemplate)));
        assertEquals(Reason.MISSING_CUTOUT, missing.reason());
        assertTrue(missing.getMessage().contains("cutoutTemplate"), missing.getMessage());
        assertEquals(Reason.NOT_FITS,
                assertThrows(DeepMergeException.class, () -> GRI.prepare(withStamps(alert, jpegTemplate))).reason());
    }

    private static Alert withStamps(Alert a, List<CutoutStamp> stamps) {
        return new Alert(a.format(), a.survey(), a.sourceId(), a.objectId(), a.ra(), a.dec(), a.epochMjd(), stamps, a.catalogue());
    }

    /** The default model's geometry: one band-agnostic channel, 40x40 at 1.2"/px, SURVEY normalisation. */
    private static ModelContract surveyContract(Normalisation n) {
        return new ModelContract("input", -1, List.of(ChannelMapping.ANY_BAND), 40, 40, 1.2, ResampleMode.ANGULAR, n,
                "logits", OutputKind.LOGITS, List.of("non-merger", "merger"), 1, "test", "1", Map.of());
    }

    @Test
    void morphologyIsOffByDefaultAndLeavesTheModelInputAsItIs() throws Exception {
        CutoutPipeline off = CutoutPipeline.create(surveyContract(Normalisation.survey(0.1f)), null,
                ChannelMapping.defaults(), StampLimits.defaults());
        CutoutPipeline on = off.withMorphology(true);
        assertEquals(false, off.morphology());
        List<byte[]> all = messages("alerts/ztf");
        all.addAll(messages("alerts/rubin-v9_0"));
        for (byte[] m : all) {
            PreparedImage a = off.prepare(m);
            PreparedImage b = on.prepare(m);
            assertNull(a.morphology());
            assertArrayEquals(a.image(), b.image(), "the model input does not change");
            assertEquals(a.applicability(), b.applicability());
            MorphologyMeasurement mm = b.morphology();
            assertNotNull(mm, "not-applicable inputs are measured too: " + b.alert().sourceId());
            assertEquals(b.bands().get(0), mm.band());
            assertEquals(1.2, mm.pixelScaleArcsec());
        }
    }

    @Test
    void theLinearPlaneIsTheOneTheStretchMakesTheModelInputOf() throws Exception {
        Preprocessor survey = new Preprocessor(surveyContract(Normalisation.survey(0.1f)));
        Preprocessor none = new Preprocessor(surveyContract(Normalisation.none()));
        AlertReader reader = new AlertReader(null);
        StampDecoder decoder = new StampDecoder(StampLimits.defaults());
        for (byte[] m : messages("alerts/ztf")) {
            Stamp stamp = decoder.decode(reader.read(m).stamp("template").orElseThrow());
            float[] image = new float[40 * 40];
            Stamp linear = survey.toTensorKeepingLinear(List.of(stamp), image, 0, 0);
            assertEquals(40, linear.width());
            assertEquals(1.2, linear.pixelScaleArcsec());
            float[] stretched = linear.pixels().clone();
            Preprocessor.normaliseImage(stretched, 0, 1, 40, 40, Normalisation.survey(0.1f));
            assertArrayEquals(image, stretched, "the model input is the kept plane, stretched");
            assertArrayEquals(survey.toTensor(List.of(stamp)), image, "keeping the plane changes nothing");
            Stamp unstretched = none.toTensorKeepingLinear(List.of(stamp), new float[40 * 40], 0, 0);
            assertArrayEquals(linear.pixels(), unstretched.pixels(), "the same plane whatever the normalisation");
            assertEquals(Morphology.measure(linear), MorphologyMeasurement.of("r", linear).result());
        }
    }

    @Test
    void morphologyIsMeasuredOnTheLastChannelOfItsOwnBand() throws Exception {
        CutoutPipeline gri = GRI.withMorphology(true);
        CutoutPipeline ri = CutoutPipeline.create(contract(List.of("r", "i")), null, ChannelMapping.defaults(),
                StampLimits.defaults()).withMorphology(true);
        for (byte[] m : messages("alerts/ztf")) {
            PreparedImage p = gri.prepare(m);
            String band = p.alert().stamp("template").orElseThrow().band();
            assertEquals(band, p.morphology().band(), "the g, r or i channel the alert's own band filled");
            assertEquals(0.1875, p.morphology().pixelScaleArcsec());
            assertEquals(band, ri.prepare(m).morphology().band(), "r, or the replicated g stamp of channel 0");
        }
    }
}
