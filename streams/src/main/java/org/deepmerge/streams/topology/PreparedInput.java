package org.deepmerge.streams.topology;

import java.util.List;
import java.util.Objects;

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
 */
public record PreparedInput(String sourceId, String objectId, String survey, double ra, double dec,
                            double epochMjd, List<String> bands, boolean incomplete, float[] image) {
    public PreparedInput {
        Objects.requireNonNull(sourceId, "sourceId");
        Objects.requireNonNull(survey, "survey");
        Objects.requireNonNull(image, "image");
        bands = List.copyOf(bands);
    }
}
