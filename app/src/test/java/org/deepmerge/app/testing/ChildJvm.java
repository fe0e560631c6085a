package org.deepmerge.app.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.deepmerge.app.cli.DeepMergeCli;

/**
 * Starts {@code deepmerge} subcommands in a separate JVM with the test class path, for tests that kill or signal
 * the process. The class path is passed through a manifest-only jar (as surefire's booter does): ONNX Runtime
 * 1.29 crashes the JVM (SIGSEGV while creating a session) when the process command line exceeds about 3,000
 * characters, which a {@code -cp} with the full Maven class path does.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * @param dir directory for the manifest jar
     * @return a jar whose manifest Class-Path is this JVM's class path
     * @throws IOException when it cannot be written
     */
    public static Path classpathJar(Path dir) throws IOException {
        Path jar = dir.resolve("classpath.jar");
        if (Files.exists(jar)) {
            return jar;
        }
        StringBuilder cp = new StringBuilder();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.isBlank()) {
                continue;
            }
            Path p = Path.of(e).toAbsolutePath();
            if (e.endsWith(".jar") && p.getFileName().toString().startsWith("surefire")) {
                try (JarFile jf = new JarFile(p.toFile())) {
                    Manifest inner = jf.getManifest();
                    String nested = inner == null ? null : inner.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
                    if (nested != null) {
                        cp.append(nested).append(' ');
                        continue;
                    }
                }
            }
            cp.append(p.toUri()).append(' ');
        }
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(Attributes.Name.CLASS_PATH, cp.toString().trim());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            out.flush();
        }
        return jar;
    }

    /**
     * @param dir  directory for the manifest jar
     * @param log  file receiving the child's standard output and error
     * @param args the deepmerge command line, e.g. {@code serve --bootstrap ...}
     * @return the started process
     * @throws IOException when it cannot be started
     */
    public static Process start(Path dir, Path log, List<String> args) throws IOException {
        return start(dir, log, "768m", args);
    }

    /**
     * @param dir     directory for the manifest jar
     * @param log     file receiving the child's standard output and error
     * @param maxHeap the child's {@code -Xmx}, e.g. {@code 256m} (tests that prove a run stays within a small heap)
     * @param args    the deepmerge command line
     * @return the started process
     * @throws IOException when it cannot be started
     */
    public static Process start(Path dir, Path log, String maxHeap, List<String> args) throws IOException {
        return start(dir, log, maxHeap, List.of(), Map.of(), args);
    }

    /**
     * @param dir     directory for the manifest jar
     * @param log     file receiving the child's standard output and error
     * @param maxHeap the child's {@code -Xmx}
     * @param jvmArgs further JVM options, e.g. {@code -Dlogback.configurationFile=...}
     * @param env     environment variables set (or replaced) in the child, e.g. {@code HOSTNAME} or, e.g. {@code DEEPMERGE_KAFKA_*} settings
     * @param args    the deepmerge command line
     * @return the started process
     * @throws IOException when it cannot be started
     */
    public static Process start(Path dir, Path log, String maxHeap, List<String> jvmArgs, Map<String, String> env,
                                List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap, "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=org.deepmerge.avro.v1"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", classpathJar(dir).toString(), DeepMergeCli.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    /**
     * @param log a child's log file
     * @return its last 40 lines, for failure messages
     */
    public static String tail(Path log) {
        try {
            if (!Files.exists(log)) {
                return "(no log)";
            }
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(unreadable log: " + e + ")";
        }
    }
}
