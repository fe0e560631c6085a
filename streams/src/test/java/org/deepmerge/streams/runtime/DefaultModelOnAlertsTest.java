package org.deepmerge.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.fits.StampDecoder;
import org.deepmerge.core.fits.StampEncoder;
import org.deepmerge.core.fits.StampLimits;
import org.deepmerge.core.gate.GateConfig;
import org.deepmerge.core.gate.NotApplicableReason;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.pipeline.CutoutPipeline;
import org.deepmerge.core.pipeline.PreparedImage;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.streams.testing.Alerts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The embedded default model on the real alerts in ../shared/data, through the serving path: its scores do not depend
 * on the stamps' flux units, zero point or sky level, never saturate at exactly 0 or 1 short of a logit of +-20, and
 * catalogued stars never reach it.
 */
class DefaultModelOnAlertsTest {
    private static OnnxScorer scorer;

    @BeforeAll
    static void open() throws Exception {
        scorer = OnnxScorer.open(DefaultModel.resolve(null), ScorerOptions.defaults(), null);
    }

    @AfterAll
    static void close() {
        scorer.close();
    }

    @Test
    void contractIsTheSurveyDomainOne() {
        assertEquals(Normalisation.Kind.SURVEY, scorer.contract().normalisation().kind());
        assertEquals(List.of(ChannelMapping.ANY_BAND), scorer.contract().channels());
        assertTrue(scorer.contract().calibrationTemperature() > 0);
    }

    @Test
    void scoresIgnoreFluxScaleAndSkyLevelOnEveryRealZtfAlert() throws Exception {
        CutoutPipeline pipeline = CutoutPipeline.create(scorer.contract(), null, ChannelMapping.defaults(),
                StampLimits.defaults(), GateConfig.disabled());
        StampDecoder decoder = new StampDecoder(StampLimits.defaults());
        double worst = 0;
        int n = 0;
        for (Path f : Alerts.ztf()) {
            Alert a = pipeline.reader().read(Alerts.bytes(f));
            Stamp t = decoder.decode(a.stamp("template").orElseThrow());
            float base = score(pipeline.prepare(a));
            for (float[] affine : new float[][] {{10f, 0f}, {0.1f, 0f}, {1f, 250f}}) {
                float p = score(pipeline.prepare(withTemplate(a, t, affine[0], affine[1])));
                worst = Math.max(worst, Math.abs(p - base));
            }
            n++;
        }
        assertEquals(87, n);
        assertTrue(worst <= 0.01, "largest change of p(merger) under x10, x0.1, +250 sky: " + worst);
    }

    @Test
    void noRealAlertScoresExactlyZeroOrOneUnlessItsLogitIsBeyond20() throws Exception {
        CutoutPipeline pipeline = CutoutPipeline.create(scorer.contract(), null, ChannelMapping.defaults(),
                StampLimits.defaults(), GateConfig.disabled());
        List<Path> all = new ArrayList<>(Alerts.ztf());
        all.addAll(Alerts.rubin());
        int n = 0;
        for (Path f : all) {
            PreparedImage img = pipeline.prepare(Alerts.bytes(f));
            Prediction p = scorer.score(img.image(), 1).get(0);
            if (p.pMerger() == 0f || p.pMerger() == 1f) {
                assertTrue(Math.abs(p.logit()) > 20, f + ": p = " + p.pMerger() + " at logit " + p.logit());
            }
            assertTrue(Double.isFinite(p.logit()), f + ": logit " + p.logit());
            n++;
        }
        assertEquals(87 + 288, n);
    }

    @Test
    void catalogueStarsNeverReachTheModel() throws Exception {
        CutoutPipeline pipeline = CutoutPipeline.create(scorer.contract(), null, ChannelMapping.defaults(),
                StampLimits.defaults());
        int stars = 0;
        for (Path f : Alerts.ztf()) {
            PreparedImage img = pipeline.prepare(Alerts.bytes(f));
            Double sg = img.alert().catalogue().psStarGalaxyScore();
            Double d = img.alert().catalogue().psDistanceArcsec();
            if (sg != null && d != null && sg > 0.5 && d <= 1.5) {
                stars++;
                assertEquals(NotApplicableReason.POINT_SOURCE_CATALOGUE, img.applicability().reason(), f.toString());
            }
        }
        assertEquals(22, stars, "ZTF alerts on a catalogued PS1 star (sgscore1 > 0.5 within 1.5\")");
    }

    private static float score(PreparedImage img) throws Exception {
        return scorer.score(img.image(), 1).get(0).pMerger();
    }

    private static Alert withTemplate(Alert a, Stamp t, float scale, float offset) {
        float[] px = t.pixels().clone();
        for (int i = 0; i < px.length; i++) {
            px[i] = px[i] * scale + offset;
        }
        byte[] fits = StampEncoder.encode(t.width(), t.height(), px, t.pixelScaleArcsec(), a.ra(), a.dec(), true);
        List<CutoutStamp> stamps = new ArrayList<>();
        for (CutoutStamp s : a.stamps()) {
            stamps.add(s.kind().equals("template") ? new CutoutStamp(s.kind(), s.band(), s.pixelScaleArcsec(), fits) : s);
        }
        return new Alert(a.format(), a.survey(), a.sourceId(), a.objectId(), a.ra(), a.dec(), a.epochMjd(), stamps,
                a.catalogue());
    }
}
