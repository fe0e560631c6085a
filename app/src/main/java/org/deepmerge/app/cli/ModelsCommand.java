package org.deepmerge.app.cli;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.commons.io.file.PathUtils;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.avro.v1.ModelRef;
import org.deepmerge.app.models.ModelTopicClient;
import org.deepmerge.app.models.ShadowReport;
import org.deepmerge.app.models.TopicReader;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelCatalog;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ModelContracts;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.model.ModelTopic;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.hotswap.ModelArtifactInstaller;
import org.deepmerge.streams.hotswap.ScorerHolder;
import org.deepmerge.streams.serde.MergerScoreSerde;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code deepmerge models list|publish|promote|shadow|rollback|compare}: model rollout over the compacted model topic
 * ({@link ModelTopic}; rules in {@link ModelCatalog}; docs/model-publishing.md). {@code publish} adds a version
 * ({@code <name>@<version>}) without making it live; {@code promote} points the model's live pointer
 * ({@code <name>#live}) at a version; {@code rollback} points it back at the previous live version; {@code shadow}
 * points the shadow pointer ({@code <name>#shadow}) at a candidate that the scorers run beside the live model, writing
 * its scores to the shadow topic ({@code --clear} removes it); {@code compare} reads the output and shadow topics and
 * prints how the two models agree. Scorers following the model ({@code serve} with {@code deepmerge.model.topic})
 * switch between micro-batches. Before a version goes live or shadow (publish --promote, promote, rollback, shadow)
 * this command runs the scorers' own verification on it (SHA-256, the file opens, contract, warm-up on a probe batch,
 * {@link ModelArtifactInstaller#verify}; for a shadow also input compatibility with the live model); the scorers
 * verify again.
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List, publish, promote, shadow, roll back and compare models on the compacted model topic that "
                + "serve follows.",
        subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Publish.class, ModelsCommand.Promote.class,
                ModelsCommand.Shadow.class, ModelsCommand.Rollback.class, ModelsCommand.Compare.class})
public final class ModelsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the cluster is: the same settings as {@code serve}. */
    static final class Cluster {
        @Option(names = "--bootstrap", description = "Kafka bootstrap servers HOST:PORT[,...] (bootstrap.servers).")
        String bootstrap;

        @Option(names = "--config", paramLabel = "FILE", description = "Properties file as for serve: Kafka client "
                + "settings (TLS, SASL) and deepmerge.* keys (deepmerge.model.topic, the output and shadow topics and "
                + "their encoding). DEEPMERGE_KAFKA_* environment variables apply too.")
        Path configFile;

        DeepMergeStreamsConfig config() throws DeepMergeException {
            Map<String, Object> flags = new LinkedHashMap<>();
            if (bootstrap != null) {
                flags.put("bootstrap.servers", bootstrap);
            }
            return DeepMergeStreamsConfig.load(configFile, System.getenv(), flags);
        }
    }

    /** Where the model topic is. */
    static final class Connection {
        @Mixin
        Cluster cluster = new Cluster();

        @Option(names = "--topic", description = "Model topic (default: deepmerge.model.topic, else "
                + ModelTopic.DEFAULT_TOPIC + ").")
        String topic;

        ModelTopicClient client() throws DeepMergeException {
            DeepMergeStreamsConfig config = cluster.config();
            String t = topic != null ? topic : config.modelTopic().isEmpty() ? ModelTopic.DEFAULT_TOPIC
                    : config.modelTopic();
            return new ModelTopicClient(config.passThrough(), t);
        }
    }

    /** Where the verification of a model read only for its input contract prints (nowhere). */
    private static final PrintWriter QUIET = new PrintWriter(java.io.Writer.nullWriter());

    /** Verification before a version goes live. */
    static final class Verification {
        @Option(names = "--skip-verify", description = "Do not verify the artifact here before it goes live or "
                + "shadow (the scorers still verify it and refuse a bad one; for emergencies and tests).")
        boolean skip;

        /**
         * Verifies every artifact a pointer write makes live or shadow; a shadow must take the live model's input, and
         * a shadow that does not take the input of a version going live is cleared.
         *
         * @return the writes, followed by the shadow pointer's tombstone when a version going live does not take the
         *         shadow's input
         * @throws DeepMergeException as {@link #verify}; INVALID_MODEL for a shadow that does not take the live
         *                            model's input
         */
        List<ModelCatalog.Write> check(ModelCatalog catalog, String name, List<ModelCatalog.Write> writes,
                                       PrintWriter out) throws DeepMergeException {
            if (skip || writes.isEmpty()) {
                return writes;
            }
            List<ModelCatalog.Write> checked = new ArrayList<>(writes);
            for (ModelCatalog.Write w : writes) {
                ModelTopic.Key k = ModelTopic.parseKey(w.key());
                if ((k.kind() == ModelTopic.Key.Kind.LIVE || k.kind() == ModelTopic.Key.Kind.SHADOW)
                        && w.value() != null) {
                    var pointer = ModelTopic.decodeLive(w.value());
                    ModelArtifact artifact = null;
                    for (ModelCatalog.Entry e : catalog.artifacts(name)) {
                        if (e.decoded() && e.version().equals(pointer.getVersion())
                                && e.sha256().equalsIgnoreCase(pointer.getSha256())) {
                            artifact = ModelTopic.decode(e.value());
                        }
                    }
                    if (artifact == null) {
                        continue;
                    }
                    ModelContract contract = verify(artifact, out);
                    if (k.kind() == ModelTopic.Key.Kind.LIVE) {
                        checked.addAll(clearIncompatibleShadow(catalog, name, contract, writes, out));
                    }
                    ModelCatalog.Entry live = catalog.live(name).entry();
                    if (k.kind() == ModelTopic.Key.Kind.SHADOW && live != null && live.decoded()) {
                        Optional<String> why = ScorerHolder.incompatibility(verify(ModelTopic.decode(live.value()),
                                QUIET), contract);
                        if (why.isPresent()) {
                            throw new DeepMergeException(Reason.INVALID_MODEL, "refused " + artifact.getName() + " "
                                    + artifact.getVersion() + " as shadow (check incompatible): it does not take the "
                                    + "live model's (" + live.version() + ") input: " + why.get() + "; nothing written");
                        }
                    }
                }
            }
            return checked;
        }
    }

    /**
     * @param goingLive the contract of the version about to go live
     * @param writes    the writes planned so far (a shadow pointer write among them: nothing to do)
     * @return the shadow pointer's tombstone when the model has a shadow that does not take that version's input (it
     *         could only fail on every micro-batch), with a line saying so; else nothing
     */
    static List<ModelCatalog.Write> clearIncompatibleShadow(ModelCatalog catalog, String name, ModelContract goingLive,
            List<ModelCatalog.Write> writes, PrintWriter out) throws DeepMergeException {
        ModelCatalog.Entry shadow = catalog.shadow(name).entry();
        if (shadow == null || !shadow.decoded() || writes.stream()
                .anyMatch(w -> ModelTopic.parseKey(w.key()).kind() == ModelTopic.Key.Kind.SHADOW)) {
            return List.of();
        }
        Optional<String> why = ScorerHolder.incompatibility(goingLive, verify(ModelTopic.decode(shadow.value()), QUIET));
        if (why.isEmpty()) {
            return List.of();
        }
        out.println("clearing shadow " + name + " " + shadow.version() + ": it does not take the input of the version "
                + "going live (" + why.get() + ")");
        return catalog.clearShadow(name);
    }

    /** Runs the scorers' verification on an artifact. @return its contract */
    static ModelContract verify(ModelArtifact artifact, PrintWriter out) throws DeepMergeException {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("deepmerge-verify-");
            ModelArtifactInstaller.Verified v = ModelArtifactInstaller.verify(artifact, dir, ScorerOptions.defaults());
            ModelContract contract = v.scorer().contract();
            v.scorer().close();
            out.println("verified " + artifact.getName() + " " + artifact.getVersion() + ": SHA-256, contract, warm-up");
            return contract;
        } catch (ModelArtifactInstaller.Refused r) {
            throw new DeepMergeException(r.reason(), "refused " + artifact.getName() + " " + artifact.getVersion()
                    + " (check " + r.check() + "): " + r.getMessage() + "; nothing written");
        } catch (java.io.IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot create a directory to verify the model in: " + e, e);
        } finally {
            if (dir != null) {
                try {
                    PathUtils.deleteDirectory(dir);
                } catch (java.io.IOException e) {
                    out.println("warning: cannot delete " + dir + ": " + e);
                }
            }
        }
    }

    static int write(ModelTopicClient client, List<ModelCatalog.Write> writes, PrintWriter out)
            throws DeepMergeException {
        return write(client, writes, out, "nothing to do: already live");
    }

    static int write(ModelTopicClient client, List<ModelCatalog.Write> writes, PrintWriter out, String whenNothing)
            throws DeepMergeException {
        if (writes.isEmpty()) {
            out.println(whenNothing);
            return 0;
        }
        List<String> where = client.write(writes);
        for (int i = 0; i < writes.size(); i++) {
            out.println("wrote " + writes.get(i).what() + " to " + where.get(i));
        }
        return 0;
    }

    /** {@code models list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "The artifacts on the model topic: name, version, sha256, size, created, key; the first column "
                    + "marks the live version (*) and the shadow (s).")
    static final class ListModels implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Mixin
        Connection connection = new Connection();

        @Option(names = "--name", description = "Only this model.")
        String name;

        @Override
        public Integer call() throws DeepMergeException {
            PrintWriter out = spec.commandLine().getOut();
            ModelTopicClient client = connection.client();
            ModelCatalog catalog = client.read();
            out.println(render(catalog, name, client.topic()));
            out.flush();
            return 0;
        }
    }

    /**
     * @param catalog what the topic holds
     * @param only    one model name, or null for all
     * @param topic   topic name for the heading
     * @return the table of {@code models list}
     */
    static String render(ModelCatalog catalog, String only, String topic) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-4s %-24s %-12s %-64s %10s %-24s %s%n", "ROLE", "NAME", "VERSION", "SHA256", "BYTES",
                "CREATED", "KEY"));
        int n = 0;
        for (String name : catalog.names()) {
            if (only != null && !only.equals(name)) {
                continue;
            }
            ModelCatalog.Live live = catalog.live(name);
            ModelCatalog.Live shadow = catalog.shadow(name);
            for (ModelCatalog.Entry e : catalog.artifacts(name)) {
                n++;
                String mark = (live.entry() == e ? "*" : "") + (shadow.entry() == e ? "s" : "");
                b.append(String.format("%-4s %-24s %-12s %-64s %10d %-24s %s%n", mark, name,
                        e.version(), e.sha256() == null ? "(" + e.problem() + ")" : e.sha256(), e.onnxBytes(),
                        e.createdAt() == null ? "" : e.createdAt().toString(),
                        e.kind() == ModelTopic.Key.Kind.VERSION ? name + "@" + e.version() : name));
            }
            if (live.pointer() != null) {
                List<String> prev = new ArrayList<>();
                for (ModelRef r : live.pointer().getPrevious()) {
                    prev.add(r.getVersion());
                }
                b.append(String.format("  %s live pointer: %s (%s at %s); rollback restores %s%n", name,
                        live.pointer().getVersion(), live.pointer().getAction(), live.pointer().getUpdatedAt(),
                        prev.isEmpty() ? "nothing" : String.join(", then ", prev)));
            } else if (live.entry() != null) {
                b.append(String.format("  %s: no live pointer, the latest record under key %s is live%n", name, name));
            }
            if (live.problem() != null) {
                b.append("  ").append(name).append(": ").append(live.problem()).append('\n');
            }
            if (shadow.pointer() != null) {
                b.append(String.format("  %s shadow pointer: %s (set at %s): scored beside the live model%n", name,
                        shadow.pointer().getVersion(), shadow.pointer().getUpdatedAt()));
            }
            if (shadow.problem() != null) {
                b.append("  ").append(name).append(": ").append(shadow.problem()).append('\n');
            }
        }
        if (n == 0) {
            b.append("(no model artifacts on ").append(topic).append(")\n");
        }
        return b.toString().stripTrailing();
    }

    /** {@code models publish}. */
    @Command(name = "publish", mixinStandardHelpOptions = true,
            description = "Put an ONNX file carrying its contract on the model topic as version <name>@<version>; "
                    + "not live until promoted (--promote does both).")
    static final class Publish implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Mixin
        Connection connection = new Connection();
        @Mixin
        Verification verification = new Verification();

        @Option(names = "--model", required = true, description = "The ONNX file (contract in its metadata_props; "
                + "a file without one: publish it with deepmerge-train publish and the contract flags).")
        Path model;

        @Option(names = "--name", description = "Model name (default: the file's deepmerge.model.name).")
        String name;

        @Option(names = "--version", description = "Model version (default: the file's deepmerge.model.version).")
        String version;

        @Option(names = "--card", paramLabel = "FILE", description = "Model card JSON to carry (default: {}).")
        Path card;

        @Option(names = "--promote", description = "Also make it live.")
        boolean promote;

        @Override
        public Integer call() throws DeepMergeException {
            PrintWriter out = spec.commandLine().getOut();
            ModelArtifact artifact = artifact(model, name, version, card);
            String n = artifact.getName();
            String v = artifact.getVersion();
            ModelTopicClient client = connection.client();
            ModelCatalog catalog = client.read();
            for (ModelCatalog.Entry e : catalog.artifacts(n)) {
                if (v.equals(e.version()) && e.decoded() && !artifact.getSha256().equalsIgnoreCase(e.sha256())) {
                    throw new DeepMergeException(Reason.INVALID_CONFIG, "model " + n + " version " + v + " is already "
                            + "on " + client.topic() + " with sha256 " + e.sha256() + " (publishing "
                            + artifact.getSha256() + "); versions are immutable, publish a new version");
                }
            }
            ModelContract contract = verification.skip ? null : verify(artifact, out);
            List<ModelCatalog.Write> writes = new ArrayList<>();
            boolean there = catalog.artifacts(n).stream().anyMatch(e -> e.kind() == ModelTopic.Key.Kind.VERSION
                    && v.equals(e.version()));
            byte[] value = ModelTopic.encode(artifact);
            if (!there) {
                writes.add(new ModelCatalog.Write(ModelTopic.versionKey(n, v), value, "artifact " + n + "@" + v
                        + " (sha256 " + artifact.getSha256() + ", " + artifact.getOnnx().remaining() + " bytes)"));
                catalog.apply(ModelTopic.versionKey(n, v), value);
            } else {
                out.println(n + " " + v + " is already published with the same bytes");
            }
            if (promote) {
                writes.addAll(catalog.promote(n, v, Instant.now()));
                if (contract != null) {
                    writes.addAll(clearIncompatibleShadow(catalog, n, contract, writes, out));
                }
            }
            return write(client, writes, out);
        }
    }

    /**
     * @param onnx    the ONNX file
     * @param name    model name, or null for the file's
     * @param version version, or null for the file's
     * @param card    model card JSON file, or null
     * @return the artifact to publish
     * @throws DeepMergeException INVALID_MODEL (no contract, name/version missing or contradicting the file),
     *                            IO_ERROR
     */
    static ModelArtifact artifact(Path onnx, String name, String version, Path card) throws DeepMergeException {
        ModelContract fromFile = ModelContracts.read(onnx, ContractOverrides.none());
        Map<String, String> md = fromFile.toMetadata();
        String fileName = md.get(ModelContract.KEY_MODEL_NAME);
        String fileVersion = md.get(ModelContract.KEY_MODEL_VERSION);
        if (name != null && fileName != null && !name.equals(fileName)
                || version != null && fileVersion != null && !version.equals(fileVersion)) {
            throw new DeepMergeException(Reason.INVALID_MODEL, onnx + " declares model " + fileName + " "
                    + fileVersion + " but --name/--version say " + name + " " + version + "; scores would carry the "
                    + "file's");
        }
        String n = name != null ? name : fileName;
        String v = version != null ? version : fileVersion;
        if (n == null || v == null) {
            throw new DeepMergeException(Reason.INVALID_MODEL, onnx + " declares no deepmerge.model.name/version: "
                    + "give --name and --version");
        }
        ModelContract contract = ModelContracts.read(onnx, ContractOverrides.none().withModelName(n).withModelVersion(v));
        try {
            byte[] bytes = Files.readAllBytes(onnx);
            String cardJson = card == null ? "{}" : Files.readString(card, StandardCharsets.UTF_8);
            return ModelArtifact.newBuilder().setName(n).setVersion(v).setSha256(ModelIdentity.sha256(bytes))
                    .setOnnx(ByteBuffer.wrap(bytes)).setModelCardJson(cardJson).setCreatedAt(Instant.now())
                    .setProducer(contract.extra().getOrDefault(ModelContract.KEY_PRODUCER, "deepmerge models publish"))
                    .setContract(new LinkedHashMap<>(contract.toMetadata())).build();
        } catch (java.io.IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot read " + onnx + (card == null ? "" : " or " + card)
                    + ": " + e, e);
        }
    }

    /** A command that moves a pointer: read the topic, plan, verify the target, write. */
    abstract static class PointerCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Mixin
        Connection connection = new Connection();
        @Mixin
        Verification verification = new Verification();

        @Parameters(index = "0", description = "Model name.")
        String name;

        /** @return the records that move the pointer */
        abstract List<ModelCatalog.Write> plan(ModelCatalog catalog) throws DeepMergeException;

        /** Checks the arguments before anything is read. */
        void validate() {
        }

        /** Refuses an unsafe name or version before connecting (no artifact can carry it). */
        void requireSafe(String option, String value) {
            if (value != null && !ModelArtifactInstaller.safeName(value)) {
                throw new CommandLine.ParameterException(spec.commandLine(), option + " '" + value + "' is not a model "
                        + "name or version: letters, digits, '.', '_' and '-', starting with a letter or digit");
            }
        }

        @Override
        public Integer call() throws DeepMergeException {
            requireSafe("NAME", name);
            validate();
            PrintWriter out = spec.commandLine().getOut();
            ModelTopicClient client = connection.client();
            ModelCatalog catalog = client.read();
            List<ModelCatalog.Write> writes = verification.check(catalog, name, plan(catalog), out);
            return write(client, writes, out, nothingToDo());
        }

        /** @return what to print when the plan writes nothing */
        String nothingToDo() {
            return "nothing to do: already live";
        }
    }

    /** {@code models shadow}. */
    @Command(name = "shadow", mixinStandardHelpOptions = true,
            description = "Score every micro-batch with a published version beside the live model, writing its scores "
                    + "to the shadow topic (deepmerge.shadow.topic); --clear stops it. The version must take the live "
                    + "model's input (channels, size, pixel scale, resampling, normalisation).")
    static final class Shadow extends PointerCommand {
        @Parameters(index = "1", arity = "0..1", description = "Version to run as shadow (not with --clear).")
        String version;

        @Option(names = "--clear", description = "Remove the shadow pointer: the scorers stop shadow scoring.")
        boolean clear;

        @Override
        void validate() {
            if (clear == (version != null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), clear
                        ? "--clear takes the model name only" : "give a version, or --clear");
            }
            requireSafe("VERSION", version);
        }

        @Override
        List<ModelCatalog.Write> plan(ModelCatalog catalog) throws DeepMergeException {
            return clear ? catalog.clearShadow(name) : catalog.shadow(name, version, Instant.now());
        }

        @Override
        String nothingToDo() {
            return clear ? "nothing to do: " + name + " has no shadow" : "nothing to do: already the shadow";
        }
    }

    /** {@code models compare}. */
    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = "Read the output topic and the shadow topic (read_committed, to their end), join the scores "
                    + "by source id and print, per live/shadow model pair: n, Spearman rank correlation, decision "
                    + "agreement at the threshold, mean |dp| and the 2x2 decision table.")
    static final class Compare implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Mixin
        Cluster cluster = new Cluster();

        @Option(names = "--output-topic", description = "Live scores (default: deepmerge.output.topic).")
        String outputTopic;

        @Option(names = "--shadow-topic", description = "Shadow scores (default: deepmerge.shadow.topic, else "
                + "<output topic>.shadow).")
        String shadowTopic;

        @Option(names = "--threshold", description = "Decision threshold on p(merger) (default: "
                + "deepmerge.shadow.threshold, 0.5).")
        Double threshold;

        @Option(names = "--json", description = "Print one JSON object instead of the table.")
        boolean json;

        @Override
        public Integer call() throws DeepMergeException {
            DeepMergeStreamsConfig config = cluster.config();
            if (config.passThrough().get("bootstrap.servers") == null) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "no Kafka bootstrap servers: use --bootstrap, "
                        + "bootstrap.servers in --config, or DEEPMERGE_KAFKA_BOOTSTRAP_SERVERS");
            }
            double t = threshold != null ? threshold : config.shadowThreshold();
            if (!(t >= 0 && t <= 1)) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "--threshold " + t + " is not in [0, 1]");
            }
            String out = outputTopic != null ? outputTopic : config.outputTopic();
            String shadow = shadowTopic != null ? shadowTopic : shadowTopicOf(config, out);
            if (out.equals(shadow)) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "--output-topic and --shadow-topic are both " + out);
            }
            var deserializer = MergerScoreSerde.fromConfig(config).deserializer();
            ShadowReport report = new ShadowReport();
            java.util.Set<String> found = TopicReader.readToEnd(config.passThrough(), "deepmerge-models-compare",
                    List.of(out, shadow), r -> {
                if (r.value() != null) {
                    var score = deserializer.deserialize(r.topic(), r.value());
                    if (r.topic().equals(out)) {
                        report.live(score);
                    } else {
                        report.shadow(score);
                    }
                }
            });
            for (String topic : List.of(out, shadow)) {
                if (!found.contains(topic)) {
                    throw new DeepMergeException(Reason.INVALID_CONFIG, "topic " + topic + " does not exist on "
                            + config.passThrough().get("bootstrap.servers") + " (" + (topic.equals(out)
                            ? "--output-topic" : "--shadow-topic") + "): nothing to compare");
                }
            }
            PrintWriter w = spec.commandLine().getOut();
            w.println(json ? report.json(t) : "output topic " + out + ", shadow topic " + shadow + "\n" + report.text(t));
            w.flush();
            return 0;
        }

        /** The shadow topic that belongs to an output topic given on the command line. */
        private static String shadowTopicOf(DeepMergeStreamsConfig config, String out) {
            return out.equals(config.outputTopic()) ? config.shadowTopic() : out + ".shadow";
        }
    }

    /** {@code models promote}. */
    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "Make a published version live: the scorers following the model switch to it.")
    static final class Promote extends PointerCommand {
        @Parameters(index = "1", description = "Version to make live.")
        String version;

        @Override
        void validate() {
            requireSafe("VERSION", version);
        }

        @Override
        List<ModelCatalog.Write> plan(ModelCatalog catalog) throws DeepMergeException {
            return catalog.promote(name, version, Instant.now());
        }
    }

    /** {@code models rollback}. */
    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Make the previous live version live again (repeat to go further back).")
    static final class Rollback extends PointerCommand {
        @Override
        List<ModelCatalog.Write> plan(ModelCatalog catalog) throws DeepMergeException {
            return catalog.rollback(name, Instant.now());
        }
    }
}
