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

    /** @return CPU time so far of every live Java thread, ns, by thread id */
    public static java.util.Map<Long, Long> threadsSnapshot() {
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        java.util.Map<Long, Long> out = new java.util.HashMap<>();
        for (long id : t.getAllThreadIds()) {
            long ns = t.getThreadCpuTime(id);
            if (ns >= 0) {
                out.put(id, ns);
            }
        }
        return out;
    }

    /**
     * CPU seconds spent since {@code before} by live Java threads, grouped by thread name with digits and
     * trailing ids removed (e.g. all {@code data-plane-kafka-request-handler-N} threads together), plus
     * {@code "(native and exited threads)"}: the rest of the process CPU time, which is mostly ONNX Runtime's own
     * native thread pool.
     *
     * @param before        {@link #threadsSnapshot()} at the start
     * @param processBefore {@link #processNanos()} at the start
     * @return seconds per group, largest first
     */
    public static java.util.LinkedHashMap<String, Double> byThreadGroup(java.util.Map<Long, Long> before, long processBefore) {
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        java.util.Map<String, Long> groups = new java.util.HashMap<>();
        long javaTotal = 0;
        for (java.lang.management.ThreadInfo info : t.getThreadInfo(t.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long now = t.getThreadCpuTime(info.getThreadId());
            if (now < 0) {
                continue;
            }
            long delta = now - before.getOrDefault(info.getThreadId(), 0L);
            javaTotal += delta;
            String group = info.getThreadName().replaceAll("[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "*")
                    .replaceAll("[0-9]+", "N");
            groups.merge(group, delta, Long::sum);
        }
        long process = processNanos() - processBefore;
        groups.put("(native and exited threads)", Math.max(0, process - javaTotal));
        java.util.LinkedHashMap<String, Double> out = new java.util.LinkedHashMap<>();
        groups.entrySet().stream().sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> out.put(e.getKey(), e.getValue() / 1e9));
        return out;
    }

    /** @return total GC pause time of this JVM so far (all collectors), ms; the JVM's own accounting, not CPU time */
    public static long gcMillis() {
        long ms = 0;
        for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }

    /** @return total JIT compilation time so far, ms (-1 if unsupported) */
    public static long jitMillis() {
        java.lang.management.CompilationMXBean c = ManagementFactory.getCompilationMXBean();
        return c != null && c.isCompilationTimeMonitoringSupported() ? c.getTotalCompilationTime() : -1;
    }
}
