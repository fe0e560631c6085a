package org.deepmerge.core.pipeline;

import java.util.List;
import java.util.Objects;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.gate.Applicability;
import org.deepmerge.core.morphology.MorphologyMeasurement;

/**
 * An alert made ready for the model: the decoded alert, its model input and the applicability gate's verdict.
 *
 * @param alert         the decoded alert (ids, position, epoch)
 * @param image         the model input {@code [C,H,W]} float32, row-major, as the model contract prescribes
 *                      (channel order, pixel scale, normalisation); prepared also for a not-applicable input (so it
 *                      can be inspected, e.g. {@code deepmerge score --dump-inputs}), but such an input is not sent
 *                      to the model
 * @param bands         the band of the stamp that filled each channel, in channel order (size C)
 * @param incomplete    true when some channel was not filled by a stamp of its own band (channel policy fallback)
 * @param applicability the gate's verdict ({@link org.deepmerge.core.gate.ApplicabilityGate}); never null
 * @param morphology    the morphology of one band ({@link CutoutPipeline#withMorphology}); null when not measured
 */
public record PreparedImage(Alert alert, float[] image, List<String> bands, boolean incomplete,
                            Applicability applicability, MorphologyMeasurement morphology) implements ScoreSubject {

    public PreparedImage {
        bands = List.copyOf(bands);
        Objects.requireNonNull(applicability, "applicability");
    }

    /**
     * A prepared image without morphology.
     *
     * @param alert         the decoded alert
     * @param image         the model input {@code [C,H,W]} float32
     * @param bands         the band of the stamp that filled each channel
     * @param incomplete    true when some channel was not filled by a stamp of its own band
     * @param applicability the gate's verdict; never null
     */
    public PreparedImage(Alert alert, float[] image, List<String> bands, boolean incomplete,
                         Applicability applicability) {
        this(alert, image, bands, incomplete, applicability, null);
    }

    @Override
    public String sourceId() {
        return alert.sourceId();
    }

    @Override
    public String objectId() {
        return alert.objectId();
    }

    @Override
    public String survey() {
        return alert.survey();
    }

    @Override
    public double ra() {
        return alert.ra();
    }

    @Override
    public double dec() {
        return alert.dec();
    }

    @Override
    public double epochMjd() {
        return alert.epochMjd();
    }
}
