package org.deepmerge.core.pipeline;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.deepmerge.avro.v1.Classification;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.avro.v1.MorphologyStatistics;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.morphology.MorphologyMeasurement;
import org.deepmerge.core.morphology.MorphologyResult;

/**
 * Provenance: turns a scored input ({@link ScoreSubject}: a prepared alert offline, a buffered image in the stream)
 * and the model's prediction into the published {@link MergerScore} record ({@code schemas/merger_score.avsc}). The
 * one mapping of offline scoring and streaming (so both publish the same morphology for the same alert): both check
 * the output with {@link #requireValidOutput} first.
 */
public final class MergerScores {
    private MergerScores() {
    }

    /**
     * @param prepared     the input: ids, position, the bands that filled the channels and the gate's verdict
     * @param prediction   the model's verdict; {@code probabilities} in the order of {@code classNames}; ignored (may
     *                     be null) when the input is not applicable
     * @param classNames   the contract's class names, in output order
     * @param model        name, version and SHA-256 of the model that scored it
     * @param ingestMs     when the input was read/appended, ms since the Unix epoch
     * @param scoreMs      when the score was computed, ms since the Unix epoch
     * @return the score record; a NaN epoch becomes null, a non-finite logit null. A not-applicable input gives a
     *         record with {@code applicable=false}, {@code reason} = the gate's label, {@code pMerger} and
     *         {@code logit} null and no classifications. {@code morphology} is the subject's
     *         ({@link #statistics}), applicable or not
     * @throws IllegalArgumentException when the input is applicable and the prediction is null or has a different
     *                                  number of classes than classNames
     */
    public static MergerScore of(ScoreSubject prepared, Prediction prediction, List<String> classNames,
                                 ModelIdentity model, long ingestMs, long scoreMs) {
        if (!prepared.applicable()) {
            return builder(prepared, model, ingestMs, scoreMs)
                    .setPMerger(null)
                    .setApplicable(false)
                    .setReason(prepared.applicability().label())
                    .setLogit(null)
                    .setClassifications(List.of())
                    .build();
        }
        if (prediction == null) {
            throw new IllegalArgumentException("no prediction for applicable input " + prepared.sourceId());
        }
        List<Float> p = prediction.probabilities();
        if (p.size() != classNames.size()) {
            throw new IllegalArgumentException(p.size() + " class probabilities for " + classNames.size()
                    + " classes " + classNames);
        }
        List<Classification> classes = new ArrayList<>(p.size());
        for (int k = 0; k < p.size(); k++) {
            classes.add(new Classification(classNames.get(k), p.get(k)));
        }
        return builder(prepared, model, ingestMs, scoreMs)
                .setPMerger(prediction.pMerger())
                .setApplicable(true)
                .setReason(null)
                .setLogit(finiteOrNull(prediction.logit()))
                .setClassifications(classes)
                .build();
    }

    /**
     * @param prepared a not-applicable input
     * @param model    the model whose gate (field, pixel scale) judged it
     * @param ingestMs when the input was read/appended, ms since the Unix epoch
     * @param scoreMs  when it was judged, ms since the Unix epoch
     * @return the record of a not-applicable input (see {@link #of})
     * @throws IllegalArgumentException when the input is applicable
     */
    public static MergerScore notApplicable(ScoreSubject prepared, ModelIdentity model, long ingestMs, long scoreMs) {
        if (prepared.applicable()) {
            throw new IllegalArgumentException(prepared.sourceId() + " is applicable: score it");
        }
        return of(prepared, null, List.of(), model, ingestMs, scoreMs);
    }

    /**
     * Checks that a model output is something to publish: one probability per class of the contract, p(merger) in
     * [0, 1] and every class probability finite.
     *
     * @param prediction the model's verdict on one input
     * @param classNames the contract's class names, in output order
     * @param sourceId   names the input in the message
     * @param model      names the model in the message
     * @throws DeepMergeException MODEL_OUTPUT_INVALID naming the value (e.g. {@code p(merger) = NaN}, or 3 class
     *                            probabilities for 2 classes), the model and the input, when it is not
     */
    public static void requireValidOutput(Prediction prediction, List<String> classNames, String sourceId,
                                          ModelIdentity model) throws DeepMergeException {
        String what = null;
        float p = prediction.pMerger();
        if (prediction.probabilities().size() != classNames.size()) {
            what = prediction.probabilities().size() + " class probabilities for the " + classNames.size()
                    + " classes " + classNames + " of the contract";
        } else if (!Float.isFinite(p) || p < 0 || p > 1) {
            what = "p(merger) = " + p;
        } else {
            for (int c = 0; c < prediction.probabilities().size() && what == null; c++) {
                float v = prediction.probabilities().get(c);
                if (!Float.isFinite(v)) {
                    what = "class probability " + c + " = " + v;
                }
            }
        }
        if (what != null) {
            throw new DeepMergeException(DeepMergeException.Reason.MODEL_OUTPUT_INVALID, what + " from model "
                    + model.name() + " " + model.version() + " for source id " + sourceId);
        }
    }

    /**
     * @param m a morphology measurement, or null
     * @return its Avro record ({@code MorphologyStatistics} of {@code schemas/merger_score.avsc}), every non-finite
     *         statistic null; null for null
     */
    public static MorphologyStatistics statistics(MorphologyMeasurement m) {
        if (m == null) {
            return null;
        }
        MorphologyResult r = m.result();
        return MorphologyStatistics.newBuilder()
                .setBand(m.band())
                .setPixelScaleArcsec(m.pixelScaleArcsec())
                .setFlag(r.flag().name())
                .setConcentration(finiteOrNull(r.concentration()))
                .setAsymmetry(finiteOrNull(r.asymmetry()))
                .setGini(finiteOrNull(r.gini()))
                .setM20(finiteOrNull(r.m20()))
                .setGiniM20Merger(finiteOrNull(r.giniM20Merger()))
                .setGiniM20Bulge(finiteOrNull(r.giniM20Bulge()))
                .setHalfLightRadiusArcsec(finiteOrNull(r.halfLightRadiusArcsec()))
                .setPetrosianRadiusArcsec(finiteOrNull(r.petrosianRadiusArcsec()))
                .setR20Arcsec(finiteOrNull(r.r20Arcsec()))
                .setSnPerPixel(finiteOrNull(r.snPerPixel()))
                .build();
    }

    /** @return v, or null when NaN or infinite (the Avro {@code logit} field) */
    public static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static MergerScore.Builder builder(ScoreSubject a, ModelIdentity model, long ingestMs, long scoreMs) {
        return MergerScore.newBuilder()
                .setSourceId(a.sourceId())
                .setObjectId(a.objectId())
                .setSurvey(a.survey())
                .setRa(a.ra())
                .setDec(a.dec())
                .setEpochMjd(Double.isNaN(a.epochMjd()) ? null : a.epochMjd())
                .setBands(a.bands())
                .setIncomplete(a.incomplete())
                .setMorphology(statistics(a.morphology()))
                .setModelName(model.name())
                .setModelVersion(model.version())
                .setModelSha256(model.sha256())
                .setIngestTimestamp(Instant.ofEpochMilli(ingestMs))
                .setScoreTimestamp(Instant.ofEpochMilli(scoreMs));
    }
}
