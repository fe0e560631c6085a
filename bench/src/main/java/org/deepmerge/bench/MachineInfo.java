package org.deepmerge.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The machine a benchmark ran on, read from {@code /proc/cpuinfo}, {@code /proc/meminfo} and {@code /proc/loadavg}
 * (Linux; fields are "unknown"/NaN elsewhere).
 *
 * <p>The peak FP32 rate is an estimate, not a measurement: {@code logicalCpus * GHz * flopsPerCycle}, where
 * flopsPerCycle is 32 for cores with AVX2 and FMA (two 256-bit FMA pipes x 8 lanes x 2 FLOP, e.g. AMD Zen 2-4,
 * Intel Skylake client; Zen 4 runs AVX-512 as two 256-bit halves, so also 32), 16 with AVX only, 8 otherwise
 * (AMD and Intel optimisation manuals). Intel server cores with two 512-bit FMA units reach 64, so the estimate may
 * be low by 2x there. GHz is the {@code cpu MHz} of /proc/cpuinfo (the current clock; boost may be higher).
 *
 * @param cpuModel       {@code model name} of /proc/cpuinfo
 * @param logicalCpus    processors available to the JVM
 * @param cpuMhz         current clock, MHz (NaN if unknown)
 * @param flopsPerCycle  assumed FP32 FLOP per cycle per core (see above)
 * @param memTotalBytes  {@code MemTotal}, bytes (-1 if unknown)
 * @param loadAverage    1-, 5- and 15-minute load averages when the figure was taken
 * @param java           Java runtime version
 */
public record MachineInfo(String cpuModel, int logicalCpus, double cpuMhz, int flopsPerCycle, long memTotalBytes,
                          List<Double> loadAverage, String java) {

    public MachineInfo {
        loadAverage = List.copyOf(loadAverage);
    }

    /** @return the machine now, with the current load average */
    public static MachineInfo probe() {
        String model = "unknown";
        double mhz = Double.NaN;
        int flops = 8;
        for (String line : lines(Path.of("/proc/cpuinfo"))) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (key.equals("model name") && model.equals("unknown")) {
                model = value;
            } else if (key.equals("cpu MHz") && Double.isNaN(mhz)) {
                mhz = parse(value);
            } else if (key.equals("flags") && flops == 8) {
                List<String> f = List.of(value.split("\\s+"));
                flops = f.contains("avx2") && f.contains("fma") ? 32 : f.contains("avx") ? 16 : 8;
            }
        }
        long mem = -1;
        for (String line : lines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                String[] p = line.split("\\s+");
                mem = (long) parse(p[1]) * 1024L;
            }
        }
        return new MachineInfo(model, Runtime.getRuntime().availableProcessors(), mhz, flops, mem, currentLoadAverage(),
                System.getProperty("java.vm.name") + " " + Runtime.version());
    }

    /** @return the 1-, 5- and 15-minute load averages now (NaN when unknown) */
    public static List<Double> currentLoadAverage() {
        List<String> l = lines(Path.of("/proc/loadavg"));
        if (l.isEmpty()) {
            return List.of(Double.NaN, Double.NaN, Double.NaN);
        }
        String[] p = l.get(0).split("\\s+");
        return List.of(parse(p[0]), parse(p[1]), parse(p[2]));
    }

    /** @return estimated peak FP32 rate of all logical CPUs, GFLOP/s (NaN when the clock is unknown) */
    public double peakGflops() {
        return logicalCpus * cpuMhz / 1000.0 * flopsPerCycle;
    }

    /** @return one line for human summaries */
    public String summary() {
        return String.format(Locale.ROOT, "%s, %d logical CPUs @ %.0f MHz, %.1f GiB, load average %s, peak ~%.0f GFLOP/s FP32 (est.)",
                cpuModel, logicalCpus, cpuMhz, memTotalBytes / (double) (1L << 30), loadAverage, peakGflops());
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static double parse(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
