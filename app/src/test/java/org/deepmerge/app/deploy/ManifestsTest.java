package org.deepmerge.app.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The deployment files in {@code deploy/} are complete and agree with each other and with the code (see
 * {@link DeployManifests} for what is checked), and each check can fail: a copy of {@code deploy/} with one thing
 * broken must be refused with a message naming it.
 */
class ManifestsTest {
    /** surefire runs in the module directory (app/); deploy/ is at the project root */
    private static final Path DEPLOY = Path.of("").toAbsolutePath().getParent().resolve("deploy");
    /** Marks a mutation of the last occurrence only (the PodDisruptionBudget after the StatefulSet). */
    private static final String LAST = "(last) ";

    @Test
    void committedDeploymentFilesPassEveryCheck() throws IOException {
        List<String> problems = DeployManifests.check(DEPLOY);
        assertEquals(List.of(), problems, () -> String.join("\n", problems));
    }

    @Test
    void everyKindIsThere() throws IOException {
        Map<String, Long> kinds = DeployManifests.documents(DEPLOY).stream()
                .collect(Collectors.groupingBy(DeployManifests.Doc::kind, TreeMap::new, Collectors.counting()));
        assertEquals(Map.of("ConfigMap", 1L, "Service", 1L, "Secret", 1L, "StatefulSet", 2L,
                "PodDisruptionBudget", 2L, "ServiceMonitor", 1L, "KafkaTopic", 5L, "KafkaUser", 2L), kinds);
    }

    static Stream<Arguments> brokenCopies() {
        return Stream.of(
                Arguments.of("readiness probe on another path", "kubernetes/scorer-cpu.yaml",
                        "path: /readyz", "path: /ready", "readinessProbe httpGet.path is '/ready'"),
                Arguments.of("liveness probe on another port", "kubernetes/scorer-gpu.yaml",
                        "path: /livez\n              port: http-metrics\n            periodSeconds: 10",
                        "path: /livez\n              port: 8080\n            periodSeconds: 10",
                        "livenessProbe port 8080 is not the HTTP port 9464"),
                Arguments.of("HTTP port moved in the ConfigMap only", "kubernetes/config.yaml",
                        "    deepmerge.max.wait.ms=50\n", "    deepmerge.max.wait.ms=50\n    deepmerge.http.port=9000\n",
                        "does not declare port 9000"),
                Arguments.of("no GPU requested", "kubernetes/scorer-gpu.yaml",
                        "              nvidia.com/gpu: 1\n", "",
                        "deepmerge.device=cuda but resources.limits has no nvidia.com/gpu"),
                Arguments.of("two GPUs per pod", "kubernetes/scorer-gpu.yaml",
                        "nvidia.com/gpu: 1", "nvidia.com/gpu: 2", "requests 2 GPUs"),
                Arguments.of("GPU pod on the CPU image", "kubernetes/scorer-gpu.yaml",
                        "image: deepmerge-streams:0.1.0-gpu", "image: deepmerge-streams:0.1.0",
                        "need the GPU image"),
                Arguments.of("mistyped deepmerge key in the ConfigMap", "kubernetes/config.yaml",
                        "deepmerge.max.batch.size=64", "deepmerge.max.batch.sise=64",
                        "unknown setting deepmerge.max.batch.sise; did you mean deepmerge.max.batch.size?"),
                Arguments.of("invalid deepmerge value in the ConfigMap", "kubernetes/config.yaml",
                        "deepmerge.max.wait.ms=50", "deepmerge.max.wait.ms=0", "deepmerge.max.wait.ms"),
                Arguments.of("mistyped Kafka key in the ConfigMap", "kubernetes/config.yaml",
                        "num.stream.threads=2", "num.stream.thread=2",
                        "ConfigMap key num.stream.thread is not a Kafka Streams or Kafka client setting"),
                Arguments.of("mistyped Kafka key in the environment", "kubernetes/scorer-cpu.yaml",
                        "DEEPMERGE_KAFKA_SASL_JAAS_CONFIG", "DEEPMERGE_KAFKA_SASL_JAAS_CONFG",
                        "sets sasl.jaas.confg, not a Kafka"),
                Arguments.of("mistyped deepmerge key in the environment", "kubernetes/scorer-cpu.yaml",
                        "name: DEEPMERGE_DEVICE", "name: DEEPMERGE_DEVISE", "sets deepmerge.devise"),
                Arguments.of("credential in the ConfigMap", "kubernetes/config.yaml",
                        "    sasl.mechanism=SCRAM-SHA-512\n",
                        "    sasl.mechanism=SCRAM-SHA-512\n    sasl.jaas.config=x required;\n",
                        "the ConfigMap holds the credential sasl.jaas.config"),
                Arguments.of("Secret that nothing defines", "kubernetes/scorer-cpu.yaml",
                        "name: deepmerge-registry\n                  key: input.basic.auth.user.info",
                        "name: deepmerge-registri\n                  key: input.basic.auth.user.info",
                        "reads key input.basic.auth.user.info of Secret deepmerge-registri"),
                Arguments.of("Secret key that the KafkaUser's Secret does not have", "kubernetes/scorer-gpu.yaml",
                        "key: sasl.jaas.config", "key: jaas", "reads key jaas of Secret deepmerge-scorer"),
                Arguments.of("PodDisruptionBudget that selects nothing", "kubernetes/scorer-cpu.yaml",
                        LAST + "      app.kubernetes.io/name: deepmerge-scorer\n"
                                + "      app.kubernetes.io/component: scorer-cpu\n",
                        "      app.kubernetes.io/name: deepmerge-scorer\n      app.kubernetes.io/component: scorer\n",
                        "selects no workload's pods"),
                Arguments.of("selector that misses the pod labels", "kubernetes/scorer-cpu.yaml",
                        "  selector:\n    matchLabels:\n      app.kubernetes.io/name: deepmerge-scorer\n"
                                + "      app.kubernetes.io/component: scorer-cpu\n  template:",
                        "  selector:\n    matchLabels:\n      app.kubernetes.io/name: deepmerge-scorer\n"
                                + "      app.kubernetes.io/component: scorer-cpus\n  template:",
                        "does not match the pod template's labels"),
                Arguments.of("root allowed", "kubernetes/scorer-gpu.yaml",
                        "runAsNonRoot: true", "runAsNonRoot: false", "runAsNonRoot is not true"),
                Arguments.of("no static membership", "kubernetes/scorer-cpu.yaml",
                        "fieldPath: metadata.name", "fieldPath: metadata.namespace", "no static membership"),
                Arguments.of("static membership on a Deployment", "kubernetes/scorer-cpu.yaml",
                        "kind: StatefulSet", "kind: Deployment", "needs a StatefulSet"),
                Arguments.of("state directory on the read-only root", "kubernetes/config.yaml",
                        "state.dir=/var/lib/deepmerge/state", "state.dir=/opt/state",
                        "/opt/state is not on a writable volume"),
                Arguments.of("transactional id ACL removed", "strimzi/user.yaml",
                        "          type: transactionalId\n", "          type: transactionalIdentity\n",
                        "no ACL allows Write on transactionalId deepmerge-scorer-"),
                Arguments.of("changelog ACL on another prefix", "strimzi/user.yaml",
                        "          name: deepmerge-scorer-\n          patternType: prefix\n        operations: [Create",
                        "          name: deepmerge-scorer2-\n          patternType: prefix\n        operations: [Create",
                        "no ACL allows Create on topic deepmerge-scorer-deepmerge-batch-buffer-changelog"),
                Arguments.of("consumer group ACL for another group", "strimzi/user.yaml",
                        "          type: group\n          name: deepmerge-scorer\n",
                        "          type: group\n          name: deepmerge\n",
                        "no ACL allows Read on group deepmerge-scorer"),
                Arguments.of("dead letters not writable", "strimzi/user.yaml",
                        "          name: merger-dead-letters\n          patternType: literal\n        operations: [Describe, Write]",
                        "          name: merger-dead-letters\n          patternType: literal\n        operations: [Describe]",
                        "no ACL allows Write on topic merger-dead-letters"),
                Arguments.of("model topic not compacted", "strimzi/topics.yaml",
                        "cleanup.policy: compact", "cleanup.policy: delete", "must be compacted"),
                Arguments.of("shadow scores not writable", "strimzi/user.yaml",
                        "          name: merger-scores.shadow\n", "          name: merger-scores.shadows\n",
                        "write the shadow scores"),
                Arguments.of("shadow topic missing", "strimzi/topics.yaml",
                        "topicName: merger-scores.shadow", "topicName: merger-scores.shade",
                        "shadow topic merger-scores.shadow has no KafkaTopic"),
                Arguments.of("scores topic missing", "strimzi/topics.yaml",
                        "topicName: merger-scores", "topicName: merger-score",
                        "topic merger-scores has no KafkaTopic"),
                Arguments.of("topic without replicas", "strimzi/topics.yaml",
                        "  partitions: 3\n  replicas: 3\n", "  partitions: 3\n",
                        "spec.replicas must be at least 1"),
                Arguments.of("more threads than partitions", "strimzi/topics.yaml",
                        "  topicName: alerts\n  partitions: 12\n", "  topicName: alerts\n  partitions: 4\n",
                        "exceed the 4 partitions of alerts"),
                Arguments.of("CPU image runs as root", "container/Dockerfile",
                        "USER 10001:10001", "USER root", "USER must be a numeric non-root uid"),
                Arguments.of("GPU image on a CUDA 11 base", "container/Dockerfile.gpu",
                        "nvidia/cuda:12.6.3-cudnn-runtime-ubuntu22.04", "nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04",
                        "is not nvidia/cuda:12"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenCopies")
    void aBrokenCopyIsRefused(String what, String file, String from, String to, String expected,
                              @TempDir Path tmp) throws IOException {
        Path copy = copyOfDeploy(tmp);
        Path f = copy.resolve(file);
        String text = Files.readString(f, StandardCharsets.UTF_8);
        String broken = from.startsWith(LAST) ? replaceLast(text, from.substring(LAST.length()), to)
                : text.replace(from, to);
        assertNotEquals(text, broken, "the mutation '" + what + "' changed nothing in " + file);
        Files.writeString(f, broken, StandardCharsets.UTF_8);
        List<String> problems = DeployManifests.check(copy);
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected)),
                () -> what + ": expected a problem containing '" + expected + "', got:\n" + String.join("\n", problems));
    }

    /** Scraping annotations off and the ServiceMonitor on a port that is not the HTTP port: /metrics is not scraped. */
    @Test
    void metricsMustBeScrapedOneWayOrAnother(@TempDir Path tmp) throws IOException {
        Path copy = copyOfDeploy(tmp);
        edit(copy.resolve("kubernetes/scorer-cpu.yaml"), "prometheus.io/scrape: \"true\"", "prometheus.io/scrape: \"false\"");
        edit(copy.resolve("kubernetes/config.yaml"), "      targetPort: http-metrics", "      targetPort: 8080");
        List<String> problems = DeployManifests.check(copy);
        assertTrue(problems.stream().anyMatch(p -> p.contains("does not reach port 9464")), () -> String.join("\n", problems));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("StatefulSet deepmerge-scorer-cpu")
                && p.contains("/metrics is scraped neither")), () -> String.join("\n", problems));
    }

    @Test
    void theNumberOfProblemsOfAnEmptyDirectoryIsNotZero(@TempDir Path tmp) throws IOException {
        assertEquals(List.of("no YAML documents under " + tmp), DeployManifests.check(tmp));
    }

    private static void edit(Path f, String from, String to) throws IOException {
        String text = Files.readString(f, StandardCharsets.UTF_8);
        assertTrue(text.contains(from), from + " not in " + f);
        Files.writeString(f, text.replace(from, to), StandardCharsets.UTF_8);
    }

    private static String replaceLast(String text, String from, String to) {
        int i = text.lastIndexOf(from);
        return i < 0 ? text : text.substring(0, i) + to + text.substring(i + from.length());
    }

    private static Path copyOfDeploy(Path tmp) throws IOException {
        Path copy = tmp.resolve("deploy");
        try (Stream<Path> s = Files.walk(DEPLOY)) {
            for (Path p : s.filter(p -> !p.toString().contains("node_modules")).toList()) {
                Path target = copy.resolve(DEPLOY.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return copy;
    }
}
