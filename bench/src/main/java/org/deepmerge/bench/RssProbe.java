package org.deepmerge.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set size of this JVM process, from {@code VmRSS} in {@code /proc/self/status} (Linux). */
public final class RssProbe {

    private RssProbe() {
    }

    /** @return resident memory, bytes; -1 where /proc is not available */
    public static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] p = line.trim().split("\\s+");
                    return Long.parseLong(p[1]) * 1024L;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
