package org.deepmerge.streams.topology;

import java.util.List;
import java.util.Objects;
import org.deepmerge.core.gate.Applicability;
import org.deepmerge.core.morphology.MorphologyMeasurement;
import org.deepmerge.core.pipeline.ScoreSubject;

/**
 * One alert, decoded and preprocessed: the identifiers and position a MergerScore carries, and the model
 * input image.
 *
 * @param sourceId   ZTF candid, Rubin diaSourceId or Cutout sourceId; the key of the score
 * @param objectId   ZTF objectId, Rubin diaObjectId or Cutout objectId; may be null
 * @param survey     survey name (ZTF, LSST, ...)
 * @param ra         right ascension, degrees (NaN if absent)
 * @param dec        declination, degrees (NaN if absent)
 * @param epochMjd   observation epoch, MJD (NaN if absent)
 * @param bands      the band that filled each model channel, in channel order
 * @param incomplete true when a channel had no stamp of its own band (filled by the channel policy)
 * @param image      the model input {@code [C,H,W]} float32, row-major, exactly as fed to the model
 * @param applicability the applicability gate's verdict; a not-applicable input is published without entering the
 *                   batch buffer, so every buffered (and restored) input is applicable
 * @param morphology the morphology measured in the prepare step ({@code deepmerge.morphology}); null when off. It is
 *                   buffered with the image ({@link PendingImage}), so the score carries it without a second image
 */
public record PreparedInput(String sourceId, String objectId, String survey, double ra, double dec,
                            double epochMjd, List<String> bands, boolean incomplete, float[] image,
                            Applicability applicability, MorphologyMeasurement morphology) implements ScoreSubject {
    /** The verdict of inputs restored from the batch buffer, where only applicable inputs are stored. */
    public static final Applicability BUFFERED = Applicability.applicable("buffered");

    public PreparedInput {
        Objects.requireNonNull(sourceId, "sourceId");
        Objects.requireNonNull(survey, "survey");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(applicability, "applicability");
        bands = List.copyOf(bands);
    }

    /**
     * An applicable input (as read back from the batch buffer).
     *
     * @param sourceId   ZTF candid, Rubin diaSourceId or Cutout sourceId
     * @param objectId   object id, may be null
     * @param survey     survey name
     * @param ra         degrees
     * @param dec        degrees
     * @param epochMjd   MJD
     * @param bands      band per channel
     * @param incomplete a channel filled by the channel policy
     * @param image      {@code [C,H,W]} float32
     * @param morphology the buffered morphology, null when none was measured
     */
    public PreparedInput(String sourceId, String objectId, String survey, double ra, double dec, double epochMjd,
                         List<String> bands, boolean incomplete, float[] image, MorphologyMeasurement morphology) {
        this(sourceId, objectId, survey, ra, dec, epochMjd, bands, incomplete, image, BUFFERED, morphology);
    }

    /**
     * An applicable input without morphology.
     *
     * @param sourceId   ZTF candid, Rubin diaSourceId or Cutout sourceId
     * @param objectId   object id, may be null
     * @param survey     survey name
     * @param ra         degrees
     * @param dec        degrees
     * @param epochMjd   MJD
     * @param bands      band per channel
     * @param incomplete a channel filled by the channel policy
     * @param image      {@code [C,H,W]} float32
     */
    public PreparedInput(String sourceId, String objectId, String survey, double ra, double dec, double epochMjd,
                         List<String> bands, boolean incomplete, float[] image) {
        this(sourceId, objectId, survey, ra, dec, epochMjd, bands, incomplete, image, BUFFERED, null);
    }
}
