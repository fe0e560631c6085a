package org.deepmerge.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the whole machine did during a timed part, from Linux's {@code /proc/stat} (first {@code cpu} line) and
 * {@code /proc/vmstat}: CPU time by state summed over all cores, and page-cache pages dirtied and written back.
 * It tells apart the causes a process's own CPU time cannot see: another guest taking the host's cores
 * ({@code steal}), waiting on the disk ({@code iowait}), and the kernel writing the broker's log to disk.
 *
 * @param userSeconds    user-mode CPU time of all processes (including {@code nice}), s summed over cores
 * @param systemSeconds  kernel CPU time (including interrupt handling), s
 * @param iowaitSeconds  idle time with disk I/O outstanding, s
 * @param stealSeconds   time the hypervisor ran something else while this guest wanted a core, s
 * @param idleSeconds    idle time, s
 * @param dirtiedBytes   page-cache bytes dirtied ({@code nr_dirtied}, 4 KiB pages)
 * @param writtenBytes   page-cache bytes written back to storage ({@code nr_written})
 */
public record HostStats(double userSeconds, double systemSeconds, double iowaitSeconds, double stealSeconds,
                        double idleSeconds, long dirtiedBytes, long writtenBytes) {

    /** Linux reports /proc/stat times in ticks of USER_HZ, which is 100 on every mainstream architecture. */
    private static final double SECONDS_PER_TICK = 0.01;
    private static final long PAGE_BYTES = 4096;

    /** @return the counters since boot, or {@code null} where /proc is not readable (not Linux) */
    public static HostStats now() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/stat")), Files.readAllLines(Path.of("/proc/vmstat")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Reads the counters from the text of /proc/stat and /proc/vmstat.
     *
     * @param stat   lines of /proc/stat; the first {@code cpu } line is used: user nice system idle iowait irq
     *               softirq steal (proc(5))
     * @param vmstat lines of /proc/vmstat ({@code name value})
     * @return the counters since boot
     * @throws IllegalArgumentException when the {@code cpu} line is missing or has fewer than 8 fields
     */
    static HostStats parse(List<String> stat, List<String> vmstat) {
        String cpu = stat.stream().filter(l -> l.startsWith("cpu ")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("/proc/stat has no 'cpu ' line"));
        String[] f = cpu.trim().split("\\s+");
        if (f.length < 9) {
            throw new IllegalArgumentException("/proc/stat 'cpu' line has " + (f.length - 1) + " fields, need 8: " + cpu);
        }
        long user = Long.parseLong(f[1]) + Long.parseLong(f[2]);
        long system = Long.parseLong(f[3]) + Long.parseLong(f[6]) + Long.parseLong(f[7]);
        long idle = Long.parseLong(f[4]);
        long iowait = Long.parseLong(f[5]);
        long steal = Long.parseLong(f[8]);
        long dirtied = 0;
        long written = 0;
        for (String l : vmstat) {
            if (l.startsWith("nr_dirtied ")) {
                dirtied = Long.parseLong(l.substring(11).trim());
            } else if (l.startsWith("nr_written ")) {
                written = Long.parseLong(l.substring(11).trim());
            }
        }
        return new HostStats(user * SECONDS_PER_TICK, system * SECONDS_PER_TICK, iowait * SECONDS_PER_TICK,
                steal * SECONDS_PER_TICK, idle * SECONDS_PER_TICK, dirtied * PAGE_BYTES, written * PAGE_BYTES);
    }

    /**
     * @param start the counters at the start of the interval
     * @return what happened between {@code start} and this
     */
    public HostStats since(HostStats start) {
        return new HostStats(userSeconds - start.userSeconds, systemSeconds - start.systemSeconds,
                iowaitSeconds - start.iowaitSeconds, stealSeconds - start.stealSeconds, idleSeconds - start.idleSeconds,
                dirtiedBytes - start.dirtiedBytes, writtenBytes - start.writtenBytes);
    }
}
