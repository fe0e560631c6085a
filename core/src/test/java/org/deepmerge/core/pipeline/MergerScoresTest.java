package org.deepmerge.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.deepmerge.avro.v1.Classification;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.avro.v1.MorphologyStatistics;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertFormat;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.morphology.MorphologyFlag;
import org.deepmerge.core.morphology.MorphologyMeasurement;
import org.deepmerge.core.morphology.MorphologyResult;
import org.junit.jupiter.api.Test;

class MergerScoresTest {

    private static PreparedImage prepared(double epoch) {
        return prepared(epoch, org.deepmerge.core.gate.Applicability.applicable("test"));
    }

    private static PreparedImage prepared(double epoch, org.deepmerge.core.gate.Applicability verdict) {
        Alert alert = new Alert(AlertFormat.ZTF_AVRO_CONTAINER, "ZTF", "739260766315010006", "ZTF17aaacxxf",
                281.5, 32.25, epoch, List.of(new CutoutStamp("template", "r", 1.012, new byte[] {1})),
                org.deepmerge.core.alert.CatalogueContext.UNKNOWN);
        return new PreparedImage(alert, new float[3 * 4], List.of("r", "r", "r"), true, verdict);
    }

    @Test
    void carriesIdsPositionProbabilitiesAndProvenance() {
        MergerScore s = MergerScores.of(prepared(58373.2), Prediction.of(0.7f, List.of(0.3f, 0.7f)),
                List.of("non-merger", "merger"), new ModelIdentity("deepmerge-da", "0.1", "ab".repeat(32)), 1000L, 2500L);
        assertEquals("739260766315010006", s.getSourceId());
        assertEquals("ZTF17aaacxxf", s.getObjectId());
        assertEquals("ZTF", s.getSurvey());
        assertEquals(281.5, s.getRa());
        assertEquals(32.25, s.getDec());
        assertEquals(58373.2, s.getEpochMjd());
        assertEquals(0.7f, s.getPMerger());
        assertEquals(List.of(new Classification("non-merger", 0.3f), new Classification("merger", 0.7f)),
                s.getClassifications());
        assertEquals(List.of("r", "r", "r"), s.getBands());
        assertEquals(true, s.getIncomplete());
        assertEquals("deepmerge-da", s.getModelName());
        assertEquals("0.1", s.getModelVersion());
        assertEquals("ab".repeat(32), s.getModelSha256());
        assertEquals(1000L, s.getIngestTimestamp().toEpochMilli());
        assertEquals(2500L, s.getScoreTimestamp().toEpochMilli());
    }

    @Test
    void missingEpochIsNullAndClassCountMustMatch() {
        Prediction p = Prediction.of(0.5f, List.of(0.5f, 0.5f));
        assertNull(MergerScores.of(prepared(Double.NaN), p, List.of("a", "b"), new ModelIdentity("m", "1", "00"), 0, 0).getEpochMjd());
        assertThrows(IllegalArgumentException.class,
                () -> MergerScores.of(prepared(1), p, List.of("a", "b", "c"), new ModelIdentity("m", "1", "00"), 0, 0));
    }

    /**
     * Issue 17: the stream's own mapper silently dropped the classes beyond the contract's (or the probabilities
     * missing); both paths now check the output with requireValidOutput, which makes a mismatch MODEL_OUTPUT_INVALID
     * (a dead letter or a reject line), then map it with MergerScores.of.
     */
    @Test
    void aClassCountMismatchIsAnInvalidModelOutputNamingBothCounts() throws Exception {
        ModelIdentity id = new ModelIdentity("m", "1", "00");
        MergerScores.requireValidOutput(Prediction.of(0.5f, List.of(0.5f, 0.5f)), List.of("a", "b"), "src", id);
        for (List<Float> probabilities : List.of(List.of(0.2f, 0.3f, 0.5f), List.of(1f))) {
            org.deepmerge.core.DeepMergeException e = assertThrows(org.deepmerge.core.DeepMergeException.class,
                    () -> MergerScores.requireValidOutput(Prediction.of(0.5f, probabilities), List.of("a", "b"), "src-7", id));
            assertEquals(org.deepmerge.core.DeepMergeException.Reason.MODEL_OUTPUT_INVALID, e.reason());
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(probabilities.size()
                    + " class probabilities for the 2 classes") && e.getMessage().contains("src-7"), e.getMessage());
        }
    }

    @Test
    void carriesTheRawLogitAndNullForANonFiniteOne() {
        ModelIdentity id = new ModelIdentity("m", "1", "00");
        MergerScore s = MergerScores.of(prepared(1), new Prediction(0.6f, List.of(0.4f, 0.6f), 2.5), List.of("a", "b"),
                id, 0, 0);
        assertEquals(2.5, s.getLogit());
        assertEquals(true, s.getApplicable());
        assertNull(s.getReason());
        assertNull(MergerScores.of(prepared(1), Prediction.of(1f, List.of(0f, 1f)), List.of("a", "b"), id, 0, 0).getLogit(),
                "p = 1 in float32: logit +Infinity -> null");
    }

    @Test
    void notApplicableInputsAreRecordsWithoutProbability() {
        org.deepmerge.core.gate.Applicability star = org.deepmerge.core.gate.Applicability.notApplicable(
                org.deepmerge.core.gate.NotApplicableReason.POINT_SOURCE_CATALOGUE, "sgscore1 0.99 at 0.2 arcsec");
        MergerScore s = MergerScores.notApplicable(prepared(58373.2, star), new ModelIdentity("m", "1", "00"), 5, 6);
        assertNull(s.getPMerger());
        assertNull(s.getLogit());
        assertEquals(false, s.getApplicable());
        assertEquals("POINT_SOURCE_CATALOGUE: sgscore1 0.99 at 0.2 arcsec", s.getReason());
        assertEquals(List.of(), s.getClassifications());
        assertEquals("739260766315010006", s.getSourceId());
        assertEquals(List.of("r", "r", "r"), s.getBands());
        assertThrows(IllegalArgumentException.class,
                () -> MergerScores.notApplicable(prepared(1), new ModelIdentity("m", "1", "00"), 0, 0));
    }

    @Test
    void morphologyIsCarriedForEveryVerdictWithNonFiniteStatisticsAsNull() {
        double nan = Double.NaN;
        MorphologyMeasurement m = new MorphologyMeasurement("r", 1.2, new MorphologyResult(
                MorphologyFlag.GINI_SEGMAP_DEGENERATE, 2.5, 0.125, nan, nan, nan, nan, 1.625, 3.375, 0.875, 2.0, 20.1,
                19.8, 40, 6.5));
        MorphologyStatistics expected = MorphologyStatistics.newBuilder().setBand("r").setPixelScaleArcsec(1.2)
                .setFlag("GINI_SEGMAP_DEGENERATE").setConcentration(2.5).setAsymmetry(0.125).setGini(null).setM20(null)
                .setGiniM20Merger(null).setGiniM20Bulge(null).setHalfLightRadiusArcsec(1.625)
                .setPetrosianRadiusArcsec(3.375).setR20Arcsec(0.875).setSnPerPixel(6.5).build();
        PreparedImage p = prepared(1);
        PreparedImage measured = new PreparedImage(p.alert(), p.image(), p.bands(), p.incomplete(), p.applicability(), m);
        ModelIdentity model = new ModelIdentity("m", "1", "00");
        assertEquals(expected, MergerScores.of(measured, Prediction.of(0.5f, List.of(0.5f, 0.5f)), List.of("a", "b"),
                model, 0, 0).getMorphology());
        org.deepmerge.core.gate.Applicability star = org.deepmerge.core.gate.Applicability.notApplicable(
                org.deepmerge.core.gate.NotApplicableReason.POINT_SOURCE_CATALOGUE, "star");
        PreparedImage measuredStar = new PreparedImage(p.alert(), p.image(), p.bands(), p.incomplete(), star, m);
        assertEquals(expected, MergerScores.notApplicable(measuredStar, model, 0, 0).getMorphology());
        assertNull(MergerScores.notApplicable(prepared(1, star), model, 0, 0).getMorphology(), "not measured");
    }

    @Test
    void aNoisePeakCarriesItsSignalToNoiseAndNoStatistic() {
        double nan = Double.NaN;
        MorphologyMeasurement m = new MorphologyMeasurement("r", 1.2, new MorphologyResult(
                MorphologyFlag.LOW_SIGNAL_TO_NOISE, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, 6,
                1.1));
        PreparedImage p = prepared(1);
        org.deepmerge.core.gate.Applicability empty = org.deepmerge.core.gate.Applicability.notApplicable(
                org.deepmerge.core.gate.NotApplicableReason.EMPTY_STAMP, "S/N -1.00");
        MorphologyStatistics s = MergerScores.notApplicable(new PreparedImage(p.alert(), p.image(), p.bands(),
                p.incomplete(), empty, m), new ModelIdentity("m", "1", "00"), 0, 0).getMorphology();
        assertEquals(MorphologyStatistics.newBuilder().setBand("r").setPixelScaleArcsec(1.2)
                .setFlag("LOW_SIGNAL_TO_NOISE").setSnPerPixel(1.1).build(), s);
    }
}
