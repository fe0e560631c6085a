package org.deepmerge.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link HostStats}: the machine-wide counters of /proc/stat and /proc/vmstat. */
class HostStatsTest {

    @Test
    void parsesTheCpuLineByStateAndThePageCounters() {
        HostStats h = HostStats.parse(
                List.of("cpu  5438 7 2509 187404 108 3 25 36 0 0", "cpu0 2700 3 1200 93000 50 1 12 18 0 0"),
                List.of("nr_dirty 1000", "nr_dirtied 204738", "nr_written 135822", "pgpgout 541492"));
        assertEquals(54.45, h.userSeconds(), 1e-9, "user + nice");
        assertEquals(25.37, h.systemSeconds(), 1e-9, "system + irq + softirq");
        assertEquals(1874.04, h.idleSeconds(), 1e-9);
        assertEquals(1.08, h.iowaitSeconds(), 1e-9);
        assertEquals(0.36, h.stealSeconds(), 1e-9);
        assertEquals(204738L * 4096, h.dirtiedBytes());
        assertEquals(135822L * 4096, h.writtenBytes());
    }

    @Test
    void sinceSubtractsEachCounter() {
        HostStats a = new HostStats(1, 2, 3, 4, 5, 600, 700);
        HostStats b = new HostStats(11, 12.5, 13, 14.25, 15, 6000, 7000);
        assertEquals(new HostStats(10, 10.5, 10, 10.25, 10, 5400, 6300), b.since(a));
    }

    @Test
    void aMissingOrShortCpuLineIsAnErrorThatShowsTheLine() {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> HostStats.parse(List.of("intr 1 2"), List.of()));
        assertTrue(none.getMessage().contains("no 'cpu ' line"), none.getMessage());
        IllegalArgumentException shortLine = assertThrows(IllegalArgumentException.class,
                () -> HostStats.parse(List.of("cpu  1 2 3 4"), List.of()));
        assertTrue(shortLine.getMessage().contains("cpu  1 2 3 4"), shortLine.getMessage());
    }

    @Test
    void onLinuxTheMachineCountersAdvanceWithWork() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/stat")), "no /proc (not Linux)");
        HostStats before = HostStats.now();
        assertNotNull(before);
        Path f = Files.createTempFile(Files.createDirectories(Path.of("target")), "host-stats-", ".bin");
        try {
            Files.write(f, new byte[4 << 20]);
            double x = 0;
            for (int i = 0; i < 50_000_000; i++) {
                x += Math.sqrt(i);
            }
            assertTrue(x > 0);
            HostStats d = HostStats.now().since(before);
            assertTrue(d.userSeconds() > 0, "user time advanced: " + d);
            assertTrue(d.dirtiedBytes() >= 1 << 20, "4 MiB written dirties page cache: " + d);
        } finally {
            Files.delete(f);
        }
    }
}
