package org.deepmerge.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link CpuTime}'s split of the process CPU time by thread group. */
class CpuTimeTest {

    @Test
    void groupsAddUpToTheProcessCpuTimeAndNameTheJvmsOwnThreadsOnLinux() throws Exception {
        CpuTime.Snapshot before = CpuTime.snapshot();
        Thread worker = new Thread(() -> {
            double x = 0;
            for (int i = 0; i < 20_000_000; i++) {
                x += Math.sqrt(i);
            }
            if (x < 0) {
                throw new AssertionError();
            }
        }, "cpu-time-test-worker-7");
        worker.start();
        long processBefore = before.processNanos();
        Map<String, Double> groups = CpuTime.byThreadGroup(before);
        worker.join();
        double total = groups.values().stream().mapToDouble(Double::doubleValue).sum();
        double process = (CpuTime.processNanos() - processBefore) / 1e9;
        groups.values().forEach(v -> assertTrue(v >= 0, groups.toString()));
        assertTrue(total <= process + 1e-3, "groups " + total + " s vs process " + process + " s");
        assertTrue(groups.containsKey("(native and exited threads)"), groups.toString());
        assertTrue(groups.keySet().stream().noneMatch(k -> k.matches(".*\\d.*")), "digits are folded: " + groups.keySet());
        if (Files.isDirectory(Path.of("/proc/self/task"))) {
            assertTrue(groups.containsKey("(JIT compiler threads)"), groups.keySet().toString());
            assertTrue(!before.jvmThreadNanos().isEmpty(), "HotSpot's compiler and GC threads are listed");
        }
    }
}
