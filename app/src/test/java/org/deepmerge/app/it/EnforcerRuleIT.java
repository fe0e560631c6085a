package org.deepmerge.app.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: the plugin's enforcer rule ({@code plugin-stays-lean} in streams/pom.xml) must fail a build that puts the
 * CLI, the broker or the benchmarks on the plugin's class path. A throwaway copy of the streams pom (same parent, same
 * rule, without the project's own artifacts, which are not installed) is validated by Maven offline: as it is, and
 * with one banned dependency added.
 */
class EnforcerRuleIT {

    @TempDir
    Path tmp;

    private static Path root() {
        return Path.of("").toAbsolutePath().getParent();
    }

    private record Run(int exit, String output) {
    }

    private Run validate(String pom) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("throwaway-" + System.nanoTime()));
        Files.writeString(dir.resolve("pom.xml"), pom);
        Path log = dir.resolve("mvn.log");
        Process p = new ProcessBuilder(List.of("mvn", "-B", "-o", "-ntp", "-f", dir.resolve("pom.xml").toString(),
                "validate")).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "mvn did not finish");
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** The streams pom, re-parented from the throwaway directory, without the project's own (uninstalled) artifacts. */
    private String throwaway(String extraDependency) throws Exception {
        String pom = Files.readString(root().resolve("streams/pom.xml"));
        String parent = tmp.resolve("x").relativize(root().resolve("pom.xml")).toString();
        pom = pom.replace("<version>0.1.0-SNAPSHOT</version>\n  </parent>",
                "<version>0.1.0-SNAPSHOT</version>\n    <relativePath>" + parent + "</relativePath>\n  </parent>");
        pom = pom.replace("<artifactId>deepmerge-streams</artifactId>", "<artifactId>deepmerge-streams-throwaway</artifactId>");
        pom = pom.replaceAll("(?s)<dependency>\\s*<groupId>org.deepmerge</groupId>.*?</dependency>", "");
        return pom.replace("<dependencies>", "<dependencies>\n" + extraDependency);
    }

    @Test
    void thePluginsBuildFailsWhenTheCliOrTheBrokerJoinsItsClassPath() throws Exception {
        Run clean = validate(throwaway(""));
        assertEquals(0, clean.exit(), "the plugin's own dependencies pass the rule:\n" + clean.output());
        for (String banned : List.of("<groupId>info.picocli</groupId><artifactId>picocli</artifactId>",
                "<groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>")) {
            Run r = validate(throwaway("<dependency>" + banned + "</dependency>"));
            assertNotEquals(0, r.exit(), banned + " must fail the build:\n" + r.output());
            assertTrue(r.output().contains("plugin-stays-lean") && r.output().contains("BannedDependencies"), r.output());
        }
    }
}
