package org.deepmerge.bench;

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

    /**
     * CPU time so far of the process, of every live Java thread and of the JVM's own native threads.
     *
     * @param processNanos    {@link #processNanos()}
     * @param javaThreadNanos CPU time of each live Java thread, ns, by thread id
     * @param jvmThreadNanos  CPU time of each JIT compiler and GC thread, ns, by Linux task id (empty elsewhere)
     */
    public record Snapshot(long processNanos, java.util.Map<Long, Long> javaThreadNanos,
                           java.util.Map<Integer, Long> jvmThreadNanos) {
    }

    /** HotSpot's names (as the kernel truncates them to 15 characters) of its JIT compiler and GC threads, by group. */
    private static final java.util.Map<String, String> JVM_THREADS = java.util.Map.of(
            "C2 CompilerThre", "(JIT compiler threads)", "C1 CompilerThre", "(JIT compiler threads)",
            "GC Thread#", "(GC threads)", "G1 Conc#", "(GC threads)", "G1 Refine#", "(GC threads)",
            "G1 Main Marker", "(GC threads)", "G1 Service", "(GC threads)");
    /** Linux reports task CPU time in clock ticks of USER_HZ, which is 100 on every mainstream architecture. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    /** @return the CPU times now */
    public static Snapshot snapshot() {
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        java.util.Map<Long, Long> java = new java.util.HashMap<>();
        for (long id : t.getAllThreadIds()) {
            long ns = t.getThreadCpuTime(id);
            if (ns >= 0) {
                java.put(id, ns);
            }
        }
        java.util.Map<Integer, Long> jvm = new java.util.HashMap<>();
        jvmThreads((tid, group, ns) -> jvm.put(tid, ns));
        return new Snapshot(processNanos(), java, jvm);
    }

    private interface JvmThreadVisitor {
        void visit(int tid, String group, long nanos);
    }

    /** Reads {@code /proc/self/task/<tid>/stat} (proc(5): comm in parentheses, utime and stime fields 14-15). */
    private static void jvmThreads(JvmThreadVisitor visitor) {
        java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
        if (tasks == null) {
            return;
        }
        for (java.io.File task : tasks) {
            try {
                String stat = java.nio.file.Files.readString(task.toPath().resolve("stat"));
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String group = null;
                for (java.util.Map.Entry<String, String> e : JVM_THREADS.entrySet()) {
                    if (comm.startsWith(e.getKey())) {
                        group = e.getValue();
                    }
                }
                if (group == null) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                visitor.visit(Integer.parseInt(task.getName()), group, ticks * NANOS_PER_TICK);
            } catch (java.io.IOException | RuntimeException e) {
                // the task ended between listing and reading: not counted
            }
        }
    }

    /**
     * CPU seconds spent since {@code before} by live Java threads, grouped by thread name with digits and
     * trailing ids removed (e.g. all {@code data-plane-kafka-request-handler-N} threads together); on Linux also
     * {@code "(JIT compiler threads)"} and {@code "(GC threads)"} (HotSpot's native threads, from {@code /proc});
     * and {@code "(native and exited threads)"}: the rest of the process CPU time (ONNX Runtime's own native
     * threads when it has more than one, threads that ended).
     *
     * @param before {@link #snapshot()} at the start
     * @return seconds per group, largest first
     */
    public static java.util.LinkedHashMap<String, Double> byThreadGroup(Snapshot before) {
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        java.util.Map<String, Long> groups = new java.util.HashMap<>();
        long counted = 0;
        for (java.lang.management.ThreadInfo info : t.getThreadInfo(t.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long now = t.getThreadCpuTime(info.getThreadId());
            if (now < 0) {
                continue;
            }
            long delta = now - before.javaThreadNanos().getOrDefault(info.getThreadId(), 0L);
            counted += delta;
            String group = info.getThreadName().replaceAll("[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "*")
                    .replaceAll("[0-9]+", "N");
            groups.merge(group, delta, Long::sum);
        }
        long[] jvm = {0};
        jvmThreads((tid, group, ns) -> {
            long delta = Math.max(0, ns - before.jvmThreadNanos().getOrDefault(tid, 0L));
            jvm[0] += delta;
            groups.merge(group, delta, Long::sum);
        });
        counted += jvm[0];
        long process = processNanos() - before.processNanos();
        groups.put("(native and exited threads)", Math.max(0, process - counted));
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
