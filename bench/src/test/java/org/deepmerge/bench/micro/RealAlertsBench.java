package org.deepmerge.bench.micro;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the micro-benchmarks share (JMH inherits these annotations): average µs per operation, one forked JVM,
 * 3 warm-up and 5 measured iterations of 2 s, one state per thread, the survey folder as a parameter, and a
 * cursor that cycles over the folder's alerts, one per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public abstract class RealAlertsBench {

    /** Folder below {@code alerts/} of the data directory. */
    @Param({"ztf", "rubin-v9_0"})
    public String alerts;

    private int next;

    /** Starts the cycle again at the first alert (tests). */
    void restart() {
        next = 0;
    }

    /**
     * @param n how many alerts the cycle runs over
     * @return the next index in {@code [0, n)}, wrapping to 0
     */
    int cycle(int n) {
        int i = next;
        next = i + 1 == n ? 0 : i + 1;
        return i;
    }
}
