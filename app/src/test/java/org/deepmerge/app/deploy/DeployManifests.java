package org.deepmerge.app.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;

/**
 * Reads everything in {@code deploy/} (every YAML document, the two Dockerfiles) and lists what is wrong: the
 * fields each kind needs, and what ties the files together (the probes on the port the configuration serves, the
 * ConfigMap loaded through {@link DeepMergeStreamsConfig} with each workload's environment, the Secrets and
 * ConfigMaps referenced, the GPU request, the PodDisruptionBudgets, the Strimzi topics and the KafkaUser's ACLs for
 * the topics and the application.id the configuration names). An empty list means deployable as far as can be
 * told without a cluster. {@code scripts/validate-manifests} adds the Kubernetes JSON schemas.
 */
final class DeployManifests {
    /** {@code serve}'s default of {@code deepmerge.http.port}. */
    static final int DEFAULT_HTTP_PORT = 9464;
    static final String HTTP_PORT_KEY = "deepmerge.http.port";
    static final String GPU = "nvidia.com/gpu";

    private static final Map<String, String> API_VERSIONS = Map.of(
            "ConfigMap", "v1", "Service", "v1", "Secret", "v1",
            "StatefulSet", "apps/v1", "Deployment", "apps/v1", "PodDisruptionBudget", "policy/v1",
            "ServiceMonitor", "monitoring.coreos.com/v1",
            "KafkaTopic", "kafka.strimzi.io/v1beta2", "KafkaUser", "kafka.strimzi.io/v1beta2");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    /** Keys whose values are credentials: never in a ConfigMap or a plain env value. */
    private static final Pattern SECRET_KEY = Pattern.compile(
            "(^|\\.)(sasl\\.jaas\\.config|password|basic\\.auth\\.user\\.info|bearer\\.auth\\.token)$|\\.password$");
    /** The value a Secret holds, for loading the configuration without the cluster. */
    private static final String DUMMY_JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"deepmerge-scorer\" password=\"not-the-real-one\";";
    /** Kafka Streams' client prefixes, and the client configuration each one feeds. */
    private static final Map<String, Set<String>> CLIENT_PREFIXES = new LinkedHashMap<>();

    static {
        CLIENT_PREFIXES.put(StreamsConfig.MAIN_CONSUMER_PREFIX, ConsumerConfig.configNames());
        CLIENT_PREFIXES.put(StreamsConfig.RESTORE_CONSUMER_PREFIX, ConsumerConfig.configNames());
        CLIENT_PREFIXES.put(StreamsConfig.GLOBAL_CONSUMER_PREFIX, ConsumerConfig.configNames());
        CLIENT_PREFIXES.put(StreamsConfig.CONSUMER_PREFIX, ConsumerConfig.configNames());
        CLIENT_PREFIXES.put(StreamsConfig.PRODUCER_PREFIX, ProducerConfig.configNames());
        CLIENT_PREFIXES.put(StreamsConfig.ADMIN_CLIENT_PREFIX, AdminClientConfig.configNames());
        CLIENT_PREFIXES.put(StreamsConfig.TOPIC_PREFIX, topicConfigNames());
    }

    /** One YAML document. */
    record Doc(Path file, int index, JsonNode node) {
        String kind() {
            return node.path("kind").asText("");
        }

        String name() {
            return node.path("metadata").path("name").asText("");
        }

        String where() {
            return kind() + " " + name() + " (" + file.getFileName() + " #" + index + ")";
        }
    }

    /** A workload's pod template, its scorer container and its effective configuration. */
    private record Workload(Doc doc, JsonNode pod, JsonNode container, Map<String, String> podLabels,
                            Properties config, Map<String, String> env) {
        String setting(String key) {
            String envName = key.startsWith(DeepMergeStreamsConfig.PREFIX)
                    ? DeepMergeStreamsConfig.ENV_PREFIX + key.substring(DeepMergeStreamsConfig.PREFIX.length())
                    .toUpperCase(Locale.ROOT).replace('.', '_')
                    : DeepMergeStreamsConfig.ENV_KAFKA_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
            String v = env.get(envName);
            return v != null ? v : config.getProperty(key);
        }
    }

    private final Path deployDir;
    private final List<Doc> docs = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    private DeployManifests(Path deployDir) {
        this.deployDir = deployDir;
    }

    /**
     * @param deployDir the project's {@code deploy/} directory (or a copy)
     * @return every problem found, one line each naming the file and resource; empty when none
     * @throws IOException when a file cannot be read
     */
    static List<String> check(Path deployDir) throws IOException {
        DeployManifests m = new DeployManifests(deployDir);
        m.read();
        m.run();
        return m.problems;
    }

    /** @return every YAML document under {@code deployDir}, in file order */
    static List<Doc> documents(Path deployDir) throws IOException {
        DeployManifests m = new DeployManifests(deployDir);
        m.read();
        return m.docs;
    }

    private void read() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<Path> files;
        try (Stream<Path> s = Files.walk(deployDir)) {
            files = s.filter(p -> !p.toString().contains("node_modules"))
                    .filter(p -> p.getFileName().toString().matches(".*\\.ya?ml")).sorted().toList();
        }
        for (Path f : files) {
            int i = 0;
            try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(f.toFile())) {
                while (it.hasNext()) {
                    JsonNode n = it.next();
                    i++;
                    if (n != null && !n.isNull() && !n.isMissingNode()) {
                        docs.add(new Doc(f, i, n));
                    }
                }
            } catch (IOException e) {
                problems.add(deployDir.relativize(f) + ": not YAML: " + e.getMessage());
            }
        }
    }

    private void problem(Doc d, String what) {
        problems.add(d.where() + ": " + what);
    }

    private void run() throws IOException {
        if (docs.isEmpty()) {
            problems.add("no YAML documents under " + deployDir);
            return;
        }
        Set<String> seen = new HashSet<>();
        for (Doc d : docs) {
            checkCommon(d);
            if (!seen.add(d.kind() + "/" + d.name())) {
                problem(d, "defined twice");
            }
        }
        List<Workload> workloads = new ArrayList<>();
        for (Doc d : ofKind("StatefulSet", "Deployment")) {
            workload(d).ifPresent(workloads::add);
        }
        if (workloads.stream().noneMatch(w -> gpuCount(w) > 0) || workloads.stream().noneMatch(w -> gpuCount(w) == 0)) {
            problems.add("expected a CPU and a GPU scorer workload, found " + workloads.stream()
                    .map(w -> w.doc().name() + (gpuCount(w) > 0 ? " (GPU)" : " (CPU)")).toList());
        }
        for (Workload w : workloads) {
            checkWorkload(w);
        }
        for (Doc d : ofKind("PodDisruptionBudget")) {
            checkPdb(d, workloads);
        }
        for (Doc d : ofKind("KafkaTopic")) {
            checkTopic(d);
        }
        for (Doc d : ofKind("KafkaUser")) {
            JsonNode auth = d.node().path("spec").path("authentication");
            if (!auth.path("type").asText().equals("scram-sha-512")) {
                problem(d, "authentication.type must be scram-sha-512, is '" + auth.path("type").asText() + "'");
            }
        }
        checkDockerfiles(workloads);
    }

    private List<Doc> ofKind(String... kinds) {
        Set<String> k = Set.of(kinds);
        return docs.stream().filter(d -> k.contains(d.kind())).toList();
    }

    private Optional<Doc> find(String kind, String name) {
        return docs.stream().filter(d -> d.kind().equals(kind) && d.name().equals(name)).findFirst();
    }

    private void checkCommon(Doc d) {
        JsonNode n = d.node();
        String kind = d.kind();
        if (kind.isEmpty() || !n.path("apiVersion").isTextual() || d.name().isEmpty()) {
            problem(d, "needs apiVersion, kind and metadata.name");
            return;
        }
        String api = API_VERSIONS.get(kind);
        if (api == null) {
            problem(d, "kind " + kind + " is not one this check knows (" + API_VERSIONS.keySet() + ")");
        } else if (!api.equals(n.path("apiVersion").asText())) {
            problem(d, "apiVersion must be " + api + ", is " + n.path("apiVersion").asText());
        }
        if (!DNS_SUBDOMAIN.matcher(d.name()).matches()) {
            problem(d, "metadata.name is not a DNS subdomain name");
        }
        if (kind.equals("ConfigMap") && !n.path("data").isObject()) {
            problem(d, "no data");
        }
        if (kind.equals("Secret") && !n.path("data").isObject() && !n.path("stringData").isObject()) {
            problem(d, "no data or stringData");
        }
        if (kind.equals("Service") && !n.path("spec").path("selector").isObject()) {
            problem(d, "no spec.selector");
        }
    }

    // ---------------------------------------------------------------------------------------------- workloads

    private Optional<Workload> workload(Doc d) {
        JsonNode spec = d.node().path("spec");
        JsonNode pod = spec.path("template");
        Map<String, String> labels = strings(pod.path("metadata").path("labels"));
        Map<String, String> selector = strings(spec.path("selector").path("matchLabels"));
        if (selector.isEmpty()) {
            problem(d, "spec.selector.matchLabels is empty");
        } else if (!labels.entrySet().containsAll(selector.entrySet())) {
            problem(d, "spec.selector.matchLabels " + selector + " does not match the pod template's labels " + labels);
        }
        JsonNode containers = pod.path("spec").path("containers");
        if (!containers.isArray() || containers.size() != 1) {
            problem(d, "expected exactly one container (the scorer), found " + containers.size());
            return Optional.empty();
        }
        JsonNode c = containers.get(0);
        Properties config = new Properties();
        List<String> args = texts(c.path("args"));
        int at = args.indexOf("--config");
        if (at < 0 || at + 1 >= args.size()) {
            problem(d, "the container's args do not pass --config FILE: " + args);
        } else {
            configMapFile(d, pod, c, args.get(at + 1)).ifPresent(text -> {
                try {
                    config.load(new StringReader(text));
                } catch (IOException e) {
                    problem(d, "config file is not a properties file: " + e.getMessage());
                }
            });
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : c.path("env")) {
            resolveEnv(d, e).ifPresent(v -> env.put(e.path("name").asText(), v));
        }
        return Optional.of(new Workload(d, pod.path("spec"), c, labels, config, env));
    }

    /** @return the text of the ConfigMap key mounted at {@code path}, when it is one */
    private Optional<String> configMapFile(Doc d, JsonNode pod, JsonNode c, String path) {
        for (JsonNode m : c.path("volumeMounts")) {
            String mount = m.path("mountPath").asText();
            if (!path.startsWith(mount + "/")) {
                continue;
            }
            String key = path.substring(mount.length() + 1);
            JsonNode vol = volume(pod, m.path("name").asText());
            String cmName = vol.path("configMap").path("name").asText();
            if (cmName.isEmpty()) {
                problem(d, "--config " + path + " is not in a ConfigMap volume");
                return Optional.empty();
            }
            Optional<Doc> cm = find("ConfigMap", cmName);
            if (cm.isEmpty()) {
                problem(d, "--config " + path + ": ConfigMap " + cmName + " is not defined in deploy/");
                return Optional.empty();
            }
            JsonNode text = cm.get().node().path("data").path(key);
            if (!text.isTextual()) {
                problem(d, "--config " + path + ": ConfigMap " + cmName + " has no key " + key);
                return Optional.empty();
            }
            return Optional.of(text.asText());
        }
        problem(d, "--config " + path + " is not under any volumeMount");
        return Optional.empty();
    }

    private static JsonNode volume(JsonNode pod, String name) {
        for (JsonNode v : pod.path("spec").path("volumes")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        for (JsonNode v : pod.path("volumes")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    /**
     * @return the value the variable has in a pod (a stand-in for a Secret's value); empty for an optional Secret
     *         reference (absent unless the operator creates the Secret) and for unresolvable references
     */
    private Optional<String> resolveEnv(Doc d, JsonNode e) {
        String name = e.path("name").asText();
        if (e.has("value")) {
            if (isSecretEnv(name)) {
                problem(d, "env " + name + " holds a credential as a plain value: use valueFrom.secretKeyRef");
            }
            return Optional.of(e.path("value").asText());
        }
        JsonNode from = e.path("valueFrom");
        if (from.has("fieldRef")) {
            String field = from.path("fieldRef").path("fieldPath").asText();
            return Optional.of(field.equals("metadata.name") ? d.name() + "-0" : field);
        }
        if (from.has("secretKeyRef")) {
            JsonNode ref = from.path("secretKeyRef");
            String secret = ref.path("name").asText();
            String key = ref.path("key").asText();
            if (!secretHasKey(secret, key)) {
                problem(d, "env " + name + " reads key " + key + " of Secret " + secret
                        + ", which no Secret or Strimzi KafkaUser in deploy/ provides");
            }
            if (ref.path("optional").asBoolean(false)) {
                return Optional.empty();
            }
            return Optional.of(name.endsWith("SASL_JAAS_CONFIG") ? DUMMY_JAAS : "user:not-the-real-one");
        }
        if (from.has("configMapKeyRef")) {
            JsonNode ref = from.path("configMapKeyRef");
            return find("ConfigMap", ref.path("name").asText()).map(cm -> cm.node().path("data")
                    .path(ref.path("key").asText())).filter(JsonNode::isTextual).map(JsonNode::asText)
                    .or(() -> {
                        problem(d, "env " + name + ": ConfigMap key " + ref + " is not defined in deploy/");
                        return Optional.empty();
                    });
        }
        problem(d, "env " + name + " has neither value nor a valueFrom this check knows");
        return Optional.empty();
    }

    private static boolean isSecretEnv(String envName) {
        String key = envName.toLowerCase(Locale.ROOT).replace('_', '.');
        return SECRET_KEY.matcher(key).find();
    }

    /** A Secret in deploy/, or the one Strimzi's operators create for a KafkaUser or a cluster's CA. */
    private boolean secretHasKey(String secret, String key) {
        Optional<Doc> s = find("Secret", secret);
        if (s.isPresent()) {
            return s.get().node().path("data").has(key) || s.get().node().path("stringData").has(key);
        }
        if (find("KafkaUser", secret).isPresent()) {
            return key.equals("sasl.jaas.config") || key.equals("password");
        }
        for (String cluster : strimziClusters()) {
            if (secret.equals(cluster + "-cluster-ca-cert")) {
                return key.equals("ca.crt");
            }
        }
        return false;
    }

    private Set<String> strimziClusters() {
        Set<String> clusters = new HashSet<>();
        for (Doc d : ofKind("KafkaTopic", "KafkaUser")) {
            clusters.add(d.node().path("metadata").path("labels").path("strimzi.io/cluster").asText());
        }
        return clusters;
    }

    private void checkWorkload(Workload w) throws IOException {
        Doc d = w.doc();
        JsonNode pod = w.pod();
        JsonNode c = w.container();
        // images, resources
        if (c.path("image").asText().isBlank()) {
            problem(d, "container has no image");
        }
        JsonNode res = c.path("resources");
        for (String r : List.of("cpu", "memory")) {
            if (res.path("requests").path(r).isMissingNode()) {
                problem(d, "resources.requests." + r + " is not set");
            }
        }
        if (res.path("limits").path("memory").isMissingNode()) {
            problem(d, "resources.limits.memory is not set (the JVM sizes its heap from it)");
        }
        String jto = w.env().getOrDefault("JAVA_TOOL_OPTIONS", "");
        Matcher ram = Pattern.compile("MaxRAMPercentage=([0-9.]+)").matcher(jto);
        if (ram.find() && Double.parseDouble(ram.group(1)) > 75) {
            problem(d, "MaxRAMPercentage " + ram.group(1) + " leaves too little for ONNX Runtime and RocksDB");
        }
        checkSecurity(w);
        checkHttp(w);
        checkConfig(w);
        checkGpu(w);
        // static membership: stable pod names
        JsonNode gii = envEntry(c, DeepMergeStreamsConfig.ENV_KAFKA_PREFIX + "GROUP_INSTANCE_ID");
        if (gii == null || !gii.path("valueFrom").path("fieldRef").path("fieldPath").asText().equals("metadata.name")) {
            problem(d, "no static membership: env DEEPMERGE_KAFKA_GROUP_INSTANCE_ID from fieldRef metadata.name");
        } else if (!d.kind().equals("StatefulSet")) {
            problem(d, "static membership from the pod name needs a StatefulSet: a " + d.kind()
                    + "'s pods get new names on every rollout");
        }
        if (d.kind().equals("StatefulSet")) {
            String svc = d.node().path("spec").path("serviceName").asText();
            Optional<Doc> s = find("Service", svc);
            if (s.isEmpty()) {
                problem(d, "serviceName " + svc + " is not a Service in deploy/");
            } else if (!selects(strings(s.get().node().path("spec").path("selector")), w.podLabels())) {
                problem(d, "Service " + svc + " does not select its pods");
            } else if (!s.get().node().path("spec").path("clusterIP").asText().equals("None")) {
                problem(d, "Service " + svc + " is not headless (clusterIP: None)");
            }
        }
        if (pod.path("terminationGracePeriodSeconds").asInt(30) < 75) {
            problem(d, "terminationGracePeriodSeconds < 75: serve takes up to 60 s to close Kafka Streams");
        }
        if (ofKind("PodDisruptionBudget").stream().noneMatch(p -> selects(
                strings(p.node().path("spec").path("selector").path("matchLabels")), w.podLabels()))) {
            problem(d, "no PodDisruptionBudget selects its pods");
        }
    }

    private static JsonNode envEntry(JsonNode c, String name) {
        for (JsonNode e : c.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private void checkSecurity(Workload w) {
        Doc d = w.doc();
        JsonNode podSec = w.pod().path("securityContext");
        JsonNode sec = w.container().path("securityContext");
        if (!(sec.path("runAsNonRoot").asBoolean(false) || podSec.path("runAsNonRoot").asBoolean(false))) {
            problem(d, "securityContext.runAsNonRoot is not true");
        }
        for (JsonNode s : List.of(podSec, sec)) {
            if (s.has("runAsUser") && s.path("runAsUser").asLong() == 0) {
                problem(d, "securityContext.runAsUser is 0 (root)");
            }
        }
        if (sec.path("allowPrivilegeEscalation").asBoolean(true)) {
            problem(d, "securityContext.allowPrivilegeEscalation is not false");
        }
        if (sec.path("readOnlyRootFilesystem").asBoolean(false)) {
            List<String> writable = new ArrayList<>(List.of("/tmp"));
            for (String key : List.of("state.dir", DeepMergeStreamsConfig.MODEL_CACHE_DIR)) {
                String v = w.setting(key);
                if (v == null || v.isBlank()) {
                    problem(d, "read-only root filesystem but " + key + " is not set to a mounted directory");
                } else {
                    writable.add(v);
                }
            }
            for (String dir : writable) {
                if (mountOf(w.container(), dir).filter(m -> !m.path("readOnly").asBoolean(false)).isEmpty()) {
                    problem(d, "read-only root filesystem but " + dir + " is not on a writable volume");
                }
            }
        }
    }

    private static Optional<JsonNode> mountOf(JsonNode c, String path) {
        JsonNode best = null;
        for (JsonNode m : c.path("volumeMounts")) {
            String mp = m.path("mountPath").asText();
            if ((path.equals(mp) || path.startsWith(mp + "/"))
                    && (best == null || mp.length() > best.path("mountPath").asText().length())) {
                best = m;
            }
        }
        return Optional.ofNullable(best);
    }

    private int httpPort(Workload w) {
        String v = w.setting(HTTP_PORT_KEY);
        return v == null ? DEFAULT_HTTP_PORT : Integer.parseInt(v.trim());
    }

    /** @return the port number a probe or Service names: a number, or a container port's name */
    private static int containerPort(JsonNode container, JsonNode port) {
        if (port.isInt() || (port.isTextual() && port.asText().matches("[0-9]+"))) {
            return port.asInt();
        }
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(port.asText())) {
                return p.path("containerPort").asInt();
            }
        }
        return -1;
    }

    private void checkHttp(Workload w) {
        Doc d = w.doc();
        JsonNode c = w.container();
        int port = httpPort(w);
        boolean exposed = false;
        for (JsonNode p : c.path("ports")) {
            exposed |= p.path("containerPort").asInt() == port;
        }
        if (!exposed) {
            problem(d, "the container does not declare port " + port + " (deepmerge.http.port)");
        }
        Map<String, String> probes = Map.of("livenessProbe", "/livez", "readinessProbe", "/readyz");
        for (Map.Entry<String, String> e : probes.entrySet()) {
            probe(d, c, e.getKey(), Set.of(e.getValue()), port, true);
        }
        probe(d, c, "startupProbe", Set.of("/livez", "/readyz"), port, false);

        JsonNode ann = w.doc().node().path("spec").path("template").path("metadata").path("annotations");
        boolean annotated = ann.path("prometheus.io/scrape").asText().equals("true");
        if (annotated) {
            if (ann.path("prometheus.io/port").asInt(-1) != port) {
                problem(d, "annotation prometheus.io/port is not " + port);
            }
            if (!ann.path("prometheus.io/path").asText("/metrics").equals("/metrics")) {
                problem(d, "annotation prometheus.io/path is not /metrics");
            }
        }
        boolean monitored = false;
        for (Doc sm : ofKind("ServiceMonitor")) {
            Map<String, String> sel = strings(sm.node().path("spec").path("selector").path("matchLabels"));
            for (Doc svc : ofKind("Service")) {
                if (!selects(sel, strings(svc.node().path("metadata").path("labels")))
                        || !selects(strings(svc.node().path("spec").path("selector")), w.podLabels())) {
                    continue;
                }
                for (JsonNode ep : sm.node().path("spec").path("endpoints")) {
                    for (JsonNode sp : svc.node().path("spec").path("ports")) {
                        if (!sp.path("name").asText().equals(ep.path("port").asText())) {
                            continue;
                        }
                        JsonNode target = sp.has("targetPort") ? sp.path("targetPort") : sp.path("port");
                        if (containerPort(c, target) != port) {
                            problem(sm, "endpoint port " + ep.path("port").asText() + " of Service " + svc.name()
                                    + " does not reach port " + port + " of " + d.name());
                        } else if (!ep.path("path").asText("/metrics").equals("/metrics")) {
                            problem(sm, "endpoint path is not /metrics");
                        } else {
                            monitored = true;
                        }
                    }
                }
            }
        }
        if (!annotated && !monitored) {
            problem(d, "/metrics is scraped neither by annotation (prometheus.io/scrape) nor by a ServiceMonitor");
        }
    }

    private void probe(Doc d, JsonNode c, String which, Set<String> paths, int port, boolean required) {
        JsonNode p = c.path(which);
        if (p.isMissingNode()) {
            if (required) {
                problem(d, "no " + which);
            }
            return;
        }
        JsonNode get = p.path("httpGet");
        if (!paths.contains(get.path("path").asText())) {
            problem(d, which + " httpGet.path is '" + get.path("path").asText() + "', not " + String.join(" or ", paths));
        }
        if (containerPort(c, get.path("port")) != port) {
            problem(d, which + " port " + get.path("port").asText() + " is not the HTTP port " + port
                    + " (deepmerge.http.port)");
        }
    }

    private void checkConfig(Workload w) throws IOException {
        Doc d = w.doc();
        for (String key : w.config().stringPropertyNames()) {
            if (SECRET_KEY.matcher(key).find()) {
                problem(d, "the ConfigMap holds the credential " + key + ": use a Secret and its environment variable");
            }
            if (!key.startsWith(DeepMergeStreamsConfig.PREFIX) && !knownKafkaKey(key)) {
                problem(d, "ConfigMap key " + key + " is not a Kafka Streams or Kafka client setting");
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : w.env().entrySet()) {
            String name = e.getKey();
            if (name.startsWith(DeepMergeStreamsConfig.ENV_KAFKA_PREFIX)) {
                String key = name.substring(DeepMergeStreamsConfig.ENV_KAFKA_PREFIX.length())
                        .toLowerCase(Locale.ROOT).replace('_', '.');
                if (!knownKafkaKey(key)) {
                    problem(d, "env " + name + " sets " + key + ", not a Kafka Streams or Kafka client setting");
                }
                env.put(name, e.getValue());
            } else if (name.startsWith(DeepMergeStreamsConfig.ENV_PREFIX)) {
                String key = DeepMergeStreamsConfig.PREFIX + name.substring(DeepMergeStreamsConfig.ENV_PREFIX.length())
                        .toLowerCase(Locale.ROOT).replace('_', '.');
                if (!DeepMergeStreamsConfig.CONFIG.names().contains(key) && !key.equals(HTTP_PORT_KEY)) {
                    problem(d, "env " + name + " sets " + key + ", which is not a deepmerge setting");
                } else {
                    env.put(name, e.getValue());
                }
            }
        }
        // load it as serve does: the file, then the environment; a truststore must be a mounted file
        Properties file = new Properties();
        file.putAll(w.config());
        String trust = file.getProperty("ssl.truststore.location");
        Path tmp = Files.createTempFile("deepmerge-configmap-", ".properties");
        Path ca = Files.createTempFile("deepmerge-ca-", ".crt");
        try {
            if (trust != null) {
                if (mountOf(w.container(), trust).isEmpty()) {
                    problem(d, "ssl.truststore.location " + trust + " is not on a mounted volume");
                }
                file.setProperty("ssl.truststore.location", ca.toString());
            }
            if (!DeepMergeStreamsConfig.CONFIG.names().contains(HTTP_PORT_KEY)) {
                // until the HTTP endpoint's key exists in this build, it is checked above and not passed on
                file.remove(HTTP_PORT_KEY);
                env.remove("DEEPMERGE_HTTP_PORT");
            }
            try (var out = Files.newBufferedWriter(tmp, StandardCharsets.ISO_8859_1)) {
                file.store(out, null);
            }
            DeepMergeStreamsConfig config = DeepMergeStreamsConfig.load(tmp, env, Map.of());
            checkKafka(w, config);
        } catch (DeepMergeException e) {
            problem(d, "its configuration (ConfigMap + env) is refused: " + e.getMessage());
        } finally {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(ca);
        }
    }

    static boolean knownKafkaKey(String key) {
        for (Map.Entry<String, Set<String>> p : CLIENT_PREFIXES.entrySet()) {
            if (key.startsWith(p.getKey())) {
                return p.getValue().contains(key.substring(p.getKey().length()));
            }
        }
        return StreamsConfig.configDef().names().contains(key) || ConsumerConfig.configNames().contains(key)
                || ProducerConfig.configNames().contains(key) || AdminClientConfig.configNames().contains(key);
    }

    private static Set<String> topicConfigNames() {
        Set<String> names = new HashSet<>();
        for (Field f : TopicConfig.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getName().endsWith("_CONFIG") && f.getType() == String.class) {
                try {
                    names.add((String) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return names;
    }

    private void checkGpu(Workload w) {
        Doc d = w.doc();
        int gpus = gpuCount(w);
        String device = Optional.ofNullable(w.setting(DeepMergeStreamsConfig.DEVICE)).orElse("auto");
        if (gpus == 0) {
            if (device.equals("cuda")) {
                problem(d, "deepmerge.device=cuda but resources.limits has no " + GPU);
            }
            return;
        }
        if (gpus != 1) {
            problem(d, "requests " + gpus + " GPUs: one per pod (one ONNX Runtime session per pod)");
        }
        if (!device.equals("cuda")) {
            problem(d, "has a GPU but deepmerge.device is " + device + ", not cuda (fail at start, not on the CPU)");
        }
        JsonNode pod = w.pod();
        if (!pod.path("nodeSelector").isObject() && pod.path("affinity").path("nodeAffinity").isMissingNode()) {
            problem(d, "GPU pods need a nodeSelector or nodeAffinity for GPU nodes");
        }
        boolean tolerates = false;
        for (JsonNode t : pod.path("tolerations")) {
            tolerates |= t.path("key").asText().equals(GPU);
        }
        if (!tolerates) {
            problem(d, "GPU pods need a toleration for the " + GPU + " taint");
        }
        if (!w.container().path("image").asText().matches(".*:.*gpu.*")) {
            problem(d, "GPU pods need the GPU image (a tag with 'gpu', from deploy/container/Dockerfile.gpu)");
        }
    }

    private static int gpuCount(Workload w) {
        JsonNode limit = w.container().path("resources").path("limits").path(GPU);
        return limit.isMissingNode() ? 0 : limit.asInt(-1);
    }

    private void checkPdb(Doc d, List<Workload> workloads) {
        JsonNode spec = d.node().path("spec");
        if (!spec.has("maxUnavailable") && !spec.has("minAvailable")) {
            problem(d, "needs maxUnavailable or minAvailable");
        }
        Map<String, String> sel = strings(spec.path("selector").path("matchLabels"));
        if (sel.isEmpty() || workloads.stream().noneMatch(w -> selects(sel, w.podLabels()))) {
            problem(d, "its selector " + sel + " selects no workload's pods");
        }
    }

    // ------------------------------------------------------------------------------------------------- Kafka

    private void checkTopic(Doc d) {
        JsonNode spec = d.node().path("spec");
        if (d.node().path("metadata").path("labels").path("strimzi.io/cluster").asText().isEmpty()) {
            problem(d, "no strimzi.io/cluster label");
        }
        if (spec.path("partitions").asInt(0) < 1) {
            problem(d, "spec.partitions must be at least 1");
        }
        int replicas = spec.path("replicas").asInt(0);
        if (replicas < 1) {
            problem(d, "spec.replicas must be at least 1");
        }
        if (!spec.path("config").isObject()) {
            problem(d, "no spec.config");
        } else if (spec.path("config").has("min.insync.replicas")
                && spec.path("config").path("min.insync.replicas").asInt() >= replicas) {
            problem(d, "min.insync.replicas must be below replicas, or one broker down stops all writes");
        }
    }

    private Optional<Doc> topic(String name) {
        return ofKind("KafkaTopic").stream()
                .filter(t -> t.node().path("spec").path("topicName").asText(t.name()).equals(name)).findFirst();
    }

    private void checkKafka(Workload w, DeepMergeStreamsConfig config) {
        Doc d = w.doc();
        Properties p = config.streamsProperties();
        String app = p.getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
        for (String t : List.of(config.outputTopic(), config.dlqTopic())) {
            if (topic(t).isEmpty()) {
                problem(d, "topic " + t + " has no KafkaTopic in deploy/strimzi");
            }
        }
        Optional<Doc> input = topic(config.inputTopic());
        int threads = Integer.parseInt(p.getProperty(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1"));
        int replicas = d.node().path("spec").path("replicas").asInt(1);
        if (input.isPresent() && replicas * threads > input.get().node().path("spec").path("partitions").asInt()) {
            problem(d, replicas + " replicas x " + threads + " stream threads exceed the "
                    + input.get().node().path("spec").path("partitions").asInt() + " partitions of "
                    + config.inputTopic() + ": threads would sit idle");
        }
        if (!config.modelTopic().isEmpty()) {
            Optional<Doc> model = topic(config.modelTopic());
            if (model.isEmpty()) {
                problem(d, "model topic " + config.modelTopic() + " has no KafkaTopic in deploy/strimzi");
            } else if (!model.get().node().path("spec").path("config").path("cleanup.policy").asText().equals("compact")) {
                problem(model.get(), "the model topic must be compacted (cleanup.policy: compact)");
            }
            if (topic(config.shadowTopic()).isEmpty()) {
                problem(d, "shadow topic " + config.shadowTopic() + " has no KafkaTopic in deploy/strimzi (serve "
                        + "creates it at start when it follows a model topic)");
            }
        }
        String servers = p.getProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "");
        for (String cluster : strimziClusters()) {
            if (!servers.contains(cluster + "-kafka-bootstrap")) {
                problem(d, "bootstrap.servers " + servers + " is not the Strimzi cluster " + cluster + "'s bootstrap");
            }
        }
        // the KafkaUser whose Secret holds sasl.jaas.config
        JsonNode jaas = envEntry(w.container(), DeepMergeStreamsConfig.ENV_KAFKA_PREFIX + "SASL_JAAS_CONFIG");
        String user = jaas == null ? "" : jaas.path("valueFrom").path("secretKeyRef").path("name").asText();
        Optional<Doc> ku = find("KafkaUser", user);
        if (ku.isEmpty()) {
            problem(d, "DEEPMERGE_KAFKA_SASL_JAAS_CONFIG does not come from the Secret of a KafkaUser in deploy/strimzi");
            return;
        }
        String protocol = p.getProperty("security.protocol", "PLAINTEXT");
        if (!protocol.startsWith("SASL_") || !p.getProperty("sasl.mechanism", "").equals("SCRAM-SHA-512")) {
            problem(d, "security.protocol " + protocol + " / sasl.mechanism " + p.getProperty("sasl.mechanism")
                    + " do not use the KafkaUser's SCRAM-SHA-512 credentials");
        }
        Doc u = ku.get();
        acl(u, "topic", config.inputTopic(), "Read", "read the input topic");
        acl(u, "topic", config.inputTopic(), "Describe", "describe the input topic");
        acl(u, "topic", config.outputTopic(), "Write", "write the scores");
        acl(u, "topic", config.dlqTopic(), "Write", "write the dead letters");
        if (!config.modelTopic().isEmpty()) {
            acl(u, "topic", config.modelTopic(), "Read", "follow the model topic");
            acl(u, "topic", config.shadowTopic(), "Write", "write the shadow scores");
        }
        String internal = app + "-" + config.storeName() + "-changelog";
        for (String op : List.of("Create", "Describe", "Read", "Write")) {
            acl(u, "topic", internal, op, "use the internal changelog/repartition topics " + app + "-*");
        }
        acl(u, "group", app, "Read", "join the consumer group " + app);
        String guarantee = p.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "");
        if (guarantee.startsWith("exactly_once")) {
            String txn = app + "-0b7d4f5e-0d4c-4a5e-9c53-3b1c2f1e0a77-1";
            acl(u, "transactionalId", txn, "Write", "use transactional ids " + app + "-* (exactly-once)");
            acl(u, "transactionalId", txn, "Describe", "describe transactional ids " + app + "-*");
        }
    }

    /** Records a problem unless an ACL of the user allows {@code op} on the resource. */
    private void acl(Doc user, String type, String name, String op, String purpose) {
        for (JsonNode a : user.node().path("spec").path("authorization").path("acls")) {
            JsonNode r = a.path("resource");
            if (!r.path("type").asText().equals(type)) {
                continue;
            }
            String pattern = r.path("name").asText();
            boolean matches = r.path("patternType").asText("literal").equals("prefix")
                    ? name.startsWith(pattern) : name.equals(pattern) || pattern.equals("*");
            Set<String> ops = new HashSet<>(texts(a.path("operations")));
            if (a.has("operation")) {
                ops.add(a.path("operation").asText());
            }
            if (matches && (ops.contains(op) || ops.contains("All"))) {
                return;
            }
        }
        problem(user, "no ACL allows " + op + " on " + type + " " + name + " (to " + purpose + ")");
    }

    // ------------------------------------------------------------------------------------------- Dockerfiles

    private void checkDockerfiles(List<Workload> workloads) throws IOException {
        int port = workloads.isEmpty() ? DEFAULT_HTTP_PORT : httpPort(workloads.get(0));
        dockerfile("Dockerfile", "eclipse-temurin:17-jre.*", port, false);
        dockerfile("Dockerfile.gpu", "nvidia/cuda:12\\.[0-9.]+-cudnn[0-9]*-runtime-ubuntu.*", port, true);
    }

    private void dockerfile(String name, String baseImage, int port, boolean gpu) throws IOException {
        Path f = deployDir.resolve("container").resolve(name);
        String where = "deploy/container/" + name;
        if (!Files.exists(f)) {
            problems.add(where + ": missing");
            return;
        }
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.trim().startsWith("#")).toList();
        String text = String.join("\n", lines);
        Map<String, String> args = new LinkedHashMap<>();
        Matcher am = Pattern.compile("(?m)^ARG\\s+(\\w+)=(\\S+)").matcher(text);
        while (am.find()) {
            args.put(am.group(1), am.group(2));
        }
        Matcher from = Pattern.compile("(?m)^FROM\\s+(\\S+)").matcher(text);
        String base = "";
        while (from.find()) {
            base = from.group(1); // the last stage is the image
        }
        Matcher ref = Pattern.compile("\\$\\{?(\\w+)}?").matcher(base);
        base = ref.replaceAll(m -> Matcher.quoteReplacement(args.getOrDefault(m.group(1), m.group())));
        if (!base.matches(baseImage)) {
            problems.add(where + ": base image " + base + " is not " + baseImage);
        }
        Matcher user = Pattern.compile("(?m)^USER\\s+(\\S+)").matcher(text);
        String last = null;
        while (user.find()) {
            last = user.group(1);
        }
        if (last == null || !last.matches("[0-9]+(:[0-9]+)?") || last.startsWith("0")) {
            problems.add(where + ": USER must be a numeric non-root uid (runAsNonRoot verifies it), is " + last);
        }
        if (!text.contains("COPY app/target/deepmerge.jar")) {
            problems.add(where + ": does not copy app/target/deepmerge.jar");
        }
        if (!Pattern.compile("(?m)^EXPOSE\\s+.*\\b" + port + "\\b").matcher(text).find()) {
            problems.add(where + ": does not EXPOSE the HTTP port " + port);
        }
        if (gpu && !text.contains("libonnxruntime_providers_cuda.so")) {
            problems.add(where + ": does not check that the jar is a -Pgpu build (libonnxruntime_providers_cuda.so)");
        }
        if (gpu && !text.contains("openjdk-17-jre")) {
            problems.add(where + ": does not install a Java 17 runtime from the distribution");
        }
    }

    // ----------------------------------------------------------------------------------------------- helpers

    private static Map<String, String> strings(JsonNode obj) {
        Map<String, String> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), e.getValue().asText());
        }
        return m;
    }

    private static List<String> texts(JsonNode arr) {
        List<String> l = new ArrayList<>();
        for (JsonNode n : arr) {
            l.add(n.asText());
        }
        return l;
    }

    /** @return whether a non-empty selector matches the labels */
    private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
    }
}
