package org.deepmerge.core.pipeline;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.deepmerge.avro.v1.Classification;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.model.ModelIdentity;

/**
 * Provenance: turns a prepared alert and the model's prediction into the published
 * {@link MergerScore} record ({@code schemas/merger_score.avsc}), the same in offline scoring and streaming.
 */
public final class MergerScores {
    private MergerScores() {
    }

    /**
     * @param prepared     the alert and the bands that filled the channels
     * @param prediction   the model's verdict; {@code probabilities} in the order of {@code classNames}
     * @param classNames   the contract's class names, in output order
     * @param model        name, version and SHA-256 of the model that scored it
     * @param ingestMs     when the input was read/appended, ms since the Unix epoch
     * @param scoreMs      when the score was computed, ms since the Unix epoch
     * @return the score record; a NaN epoch becomes null
     * @throws IllegalArgumentException when the prediction has a different number of classes than classNames
     */
    public static MergerScore of(PreparedImage prepared, Prediction prediction, List<String> classNames,
                                 ModelIdentity model, long ingestMs, long scoreMs) {
        List<Float> p = prediction.probabilities();
        if (p.size() != classNames.size()) {
            throw new IllegalArgumentException(p.size() + " class probabilities for " + classNames.size()
                    + " classes " + classNames);
        }
        List<Classification> classes = new ArrayList<>(p.size());
        for (int k = 0; k < p.size(); k++) {
            classes.add(new Classification(classNames.get(k), p.get(k)));
        }
        Alert a = prepared.alert();
        return MergerScore.newBuilder()
                .setSourceId(a.sourceId())
                .setObjectId(a.objectId())
                .setSurvey(a.survey())
                .setRa(a.ra())
                .setDec(a.dec())
                .setEpochMjd(Double.isNaN(a.epochMjd()) ? null : a.epochMjd())
                .setPMerger(prediction.pMerger())
                .setClassifications(classes)
                .setBands(prepared.bands())
                .setIncomplete(prepared.incomplete())
                .setModelName(model.name())
                .setModelVersion(model.version())
                .setModelSha256(model.sha256())
                .setIngestTimestamp(Instant.ofEpochMilli(ingestMs))
                .setScoreTimestamp(Instant.ofEpochMilli(scoreMs))
                .build();
    }
}
