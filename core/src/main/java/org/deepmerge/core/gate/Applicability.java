package org.deepmerge.core.gate;

import java.util.Objects;

/**
 * The verdict of the {@link ApplicabilityGate} on one input.
 *
 * @param applicable true when the input is sent to the model
 * @param reason     why not, or null when applicable
 * @param detail     human-readable, naming the measured numbers and the thresholds they were compared with (for an
 *                   applicable input, what was measured, or why the gate did not look); never null
 */
public record Applicability(boolean applicable, NotApplicableReason reason, String detail) {

    /**
     * @throws IllegalArgumentException when applicable and reason disagree (applicable needs reason null, not
     *                                  applicable needs a reason)
     */
    public Applicability {
        Objects.requireNonNull(detail, "detail");
        if (applicable != (reason == null)) {
            throw new IllegalArgumentException("applicable=" + applicable + " with reason " + reason);
        }
    }

    /**
     * @param detail what was measured
     * @return an applicable verdict
     */
    public static Applicability applicable(String detail) {
        return new Applicability(true, null, detail);
    }

    /**
     * @param reason why not
     * @param detail the numbers
     * @return a not-applicable verdict
     */
    public static Applicability notApplicable(NotApplicableReason reason, String detail) {
        return new Applicability(false, Objects.requireNonNull(reason, "reason"), detail);
    }

    /** @return {@code REASON: detail} for a not-applicable input (the MergerScore {@code reason} field), else null */
    public String label() {
        return applicable ? null : reason.name() + ": " + detail;
    }
}
