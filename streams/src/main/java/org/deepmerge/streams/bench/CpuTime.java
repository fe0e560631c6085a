package org.deepmerge.streams.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * CPU time, to state rates per CPU-second as well as per wall-clock second. On a shared machine (other processes
 * running) wall-clock rates fall with the load; a rate per CPU-second is what one fully available core would do
 * (less what cache and memory-bandwidth sharing cost), so it is the figure to hold against "per core" targets.
 */
public final class CpuTime {

    private CpuTime() {
    }

    /** @return CPU time of the whole JVM process (all threads, including ONNX Runtime's native threads), ns; -1 if unknown */
    public static long processNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return -1;
    }

    /** @return CPU time of the calling thread, ns; -1 if unsupported */
    public static long threadNanos() {
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        return t.isCurrentThreadCpuTimeSupported() ? t.getCurrentThreadCpuTime() : -1;
    }
}
