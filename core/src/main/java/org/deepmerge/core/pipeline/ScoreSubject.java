package org.deepmerge.core.pipeline;

import java.util.List;
import org.deepmerge.core.gate.Applicability;
import org.deepmerge.core.morphology.MorphologyMeasurement;

/**
 * What a score record says about the input it scores, whichever stage holds it: a {@link PreparedImage} offline, a
 * buffered image in the stream. {@link MergerScores} turns one and the model's prediction into the record.
 */
public interface ScoreSubject {
    /** @return ZTF {@code candid}, Rubin {@code diaSourceId} or Cutout {@code sourceId}; never null */
    String sourceId();

    /** @return ZTF {@code objectId}, Rubin {@code diaObjectId} or Cutout {@code objectId}; may be null */
    String objectId();

    /** @return survey name, e.g. {@code ZTF}, {@code LSST}; never null */
    String survey();

    /** @return right ascension, degrees (NaN if absent) */
    double ra();

    /** @return declination, degrees (NaN if absent) */
    double dec();

    /** @return observation epoch, MJD (NaN if absent) */
    double epochMjd();

    /** @return the band of the stamp that filled each model channel, in channel order */
    List<String> bands();

    /** @return true when some channel was not filled by a stamp of its own band */
    boolean incomplete();

    /** @return the applicability gate's verdict; never null */
    Applicability applicability();

    /** @return the morphology of one band on the model grid; null when it was not measured */
    MorphologyMeasurement morphology();

    /** @return true when the input goes to the model */
    default boolean applicable() {
        return applicability().applicable();
    }
}
