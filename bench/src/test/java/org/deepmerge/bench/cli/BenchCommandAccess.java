package org.deepmerge.bench.cli;

import java.util.Optional;

/** Test access to the package-private parts of {@link BenchCommand}. */
public final class BenchCommandAccess {
    private BenchCommandAccess() {
    }

    /** @see BenchCommand#jitWarning(double, double, String) */
    public static Optional<String> jitWarning(double jitSeconds, double cpuSeconds, String warmup) {
        return BenchCommand.jitWarning(jitSeconds, cpuSeconds, warmup);
    }
}
