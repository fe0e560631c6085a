package org.deepmerge.streams.hotswap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Consumer;
import org.deepmerge.streams.hotswap.ModelArtifactInstaller.Outcome;

/**
 * Micrometer meters of model rollout, fed by {@link ModelTopicFollower#addListener}: {@code deepmerge.model.refused}
 * (counter, tag {@code reason}: the check that refused the artifact, one of {@link Outcome#CHECKS}, each registered at
 * 0 so that a rate can be alerted on before the first refusal) and {@code deepmerge.model.installed} (counter: models
 * swapped in from the model topic).
 */
public final class ModelRolloutMetrics implements Consumer<Outcome> {
    /** Counter of refused artifacts, tag {@code reason}. */
    public static final String REFUSED = "deepmerge.model.refused";
    /** Counter of installed artifacts. */
    public static final String INSTALLED = "deepmerge.model.installed";

    private final MeterRegistry registry;
    private final Counter installed;

    /** @param registry where the meters live (the scorer's registry, e.g. the one behind {@code /metrics}) */
    public ModelRolloutMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.installed = registry.counter(INSTALLED);
        Outcome.CHECKS.forEach(c -> registry.counter(REFUSED, "reason", c));
    }

    @Override
    public void accept(Outcome o) {
        if (o.status() == Outcome.Status.INSTALLED) {
            installed.increment();
        } else if (o.status() == Outcome.Status.REFUSED) {
            registry.counter(REFUSED, "reason", o.check() == null ? "unknown" : o.check()).increment();
        }
    }

    /**
     * @param reason a check name
     * @return artifacts refused by it so far
     */
    public long refused(String reason) {
        return (long) registry.counter(REFUSED, "reason", reason).count();
    }

    /** @return artifacts installed so far */
    public long installed() {
        return (long) installed.count();
    }
}
