package org.deepmerge.streams.hotswap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Consumer;
import org.deepmerge.streams.hotswap.ModelArtifactInstaller.Outcome;

/**
 * Micrometer meters of model rollout, fed by {@link ModelTopicFollower#addListener}: {@code deepmerge.model.refused}
 * (counter, tag {@code reason}: the check that refused the artifact, one of {@link Outcome#CHECKS}, each registered at
 * 0 so that a rate can be alerted on before the first refusal) and {@code deepmerge.model.installed} (counter: models
 * swapped in from the model topic). {@link #shadow} makes the same pair for the shadow candidate, fed by
 * {@link ModelTopicFollower#addShadowListener}: {@code deepmerge.shadow.refused{reason}} and
 * {@code deepmerge.shadow.installed}.
 */
public final class ModelRolloutMetrics implements Consumer<Outcome> {
    /** Counter of refused artifacts, tag {@code reason}. */
    public static final String REFUSED = "deepmerge.model.refused";
    /** Counter of installed artifacts. */
    public static final String INSTALLED = "deepmerge.model.installed";
    /** Counter of refused shadow candidates, tag {@code reason}. */
    public static final String SHADOW_REFUSED = "deepmerge.shadow.refused";
    /** Counter of installed shadow candidates. */
    public static final String SHADOW_INSTALLED = "deepmerge.shadow.installed";

    private final MeterRegistry registry;
    private final String refusedName;
    private final Counter installed;

    /** @param registry where the meters live (the scorer's registry, e.g. the one behind {@code /metrics}) */
    public ModelRolloutMetrics(MeterRegistry registry) {
        this(registry, REFUSED, INSTALLED);
    }

    private ModelRolloutMetrics(MeterRegistry registry, String refusedName, String installedName) {
        this.registry = registry;
        this.refusedName = refusedName;
        this.installed = registry.counter(installedName);
        Outcome.CHECKS.forEach(c -> registry.counter(refusedName, "reason", c));
    }

    /**
     * @param registry where the meters live
     * @return the meters of the shadow candidate ({@value #SHADOW_REFUSED}, {@value #SHADOW_INSTALLED})
     */
    public static ModelRolloutMetrics shadow(MeterRegistry registry) {
        return new ModelRolloutMetrics(registry, SHADOW_REFUSED, SHADOW_INSTALLED);
    }

    @Override
    public void accept(Outcome o) {
        if (o.status() == Outcome.Status.INSTALLED) {
            installed.increment();
        } else if (o.status() == Outcome.Status.REFUSED) {
            registry.counter(refusedName, "reason", o.check() == null ? "unknown" : o.check()).increment();
        }
    }

    /**
     * @param reason a check name
     * @return artifacts refused by it so far
     */
    public long refused(String reason) {
        return (long) registry.counter(refusedName, "reason", reason).count();
    }

    /** @return artifacts installed so far */
    public long installed() {
        return (long) installed.count();
    }
}
