package org.deepmerge.core.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;

/**
 * The one way tests find the real data in {@code ../shared/data}: system property {@code deepmerge.data.dir}
 * (set by the parent pom to {@code <project root>/../shared/data}). Missing data skips a test on a developer
 * machine and fails it under {@code CI=true}.
 */
public final class TestData {
    private TestData() {
    }

    /** @return the data directory (may not exist) */
    public static Path dir() {
        return Paths.get(System.getProperty("deepmerge.data.dir", "../shared/data")).toAbsolutePath().normalize();
    }

    /**
     * @param relative path below the data directory, e.g. {@code alerts/ztf}
     * @return the existing path
     */
    public static Path require(String relative) {
        Path p = dir().resolve(relative);
        if (!Files.exists(p)) {
            String msg = "real test data missing: " + p + " (set -Ddeepmerge.data.dir)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(msg);
            }
            Assumptions.abort(msg);
        }
        return p;
    }
}
