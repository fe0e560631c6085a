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
import java.util.concurrent.Callable;
import org.apache.commons.io.file.PathUtils;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.avro.v1.ModelRef;
import org.deepmerge.app.models.ModelTopicClient;
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
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code deepmerge models list|publish|promote|rollback}: model rollout over the compacted model topic
 * ({@link ModelTopic}; rules in {@link ModelCatalog}; docs/model-publishing.md). {@code publish} adds a version
 * ({@code <name>@<version>}) without making it live; {@code promote} points the model's live pointer
 * ({@code <name>#live}) at a version; {@code rollback} points it back at the previous live version. Scorers following
 * the model ({@code serve} with {@code deepmerge.model.topic}) switch between micro-batches. Before a version goes
 * live (publish --promote, promote, rollback) this command runs the scorers' own verification on it (SHA-256, the
 * file opens, contract, warm-up on a probe batch, {@link ModelArtifactInstaller#verify}); the scorers verify again.
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List, publish, promote and roll back models on the compacted model topic that serve follows.",
        subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Publish.class, ModelsCommand.Promote.class,
                ModelsCommand.Rollback.class})
public final class ModelsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the model topic is: the same settings as {@code serve}. */
    static final class Connection {
        @Option(names = "--bootstrap", description = "Kafka bootstrap servers HOST:PORT[,...] (bootstrap.servers).")
        String bootstrap;

        @Option(names = "--config", paramLabel = "FILE", description = "Properties file as for serve: Kafka client "
                + "settings (TLS, SASL) and deepmerge.model.topic. DEEPMERGE_KAFKA_* environment variables apply too.")
        Path configFile;

        @Option(names = "--topic", description = "Model topic (default: deepmerge.model.topic, else "
                + ModelTopic.DEFAULT_TOPIC + ").")
        String topic;

        ModelTopicClient client() throws DeepMergeException {
            Map<String, Object> flags = new LinkedHashMap<>();
            if (bootstrap != null) {
                flags.put("bootstrap.servers", bootstrap);
            }
            DeepMergeStreamsConfig config = DeepMergeStreamsConfig.load(configFile, System.getenv(), flags);
            String t = topic != null ? topic : config.modelTopic().isEmpty() ? ModelTopic.DEFAULT_TOPIC
                    : config.modelTopic();
            return new ModelTopicClient(config.passThrough(), t);
        }
    }

    /** Verification before a version goes live. */
    static final class Verification {
        @Option(names = "--skip-verify", description = "Do not verify the artifact here before it goes live (the "
                + "scorers still verify it and refuse a bad one; for emergencies and tests).")
        boolean skip;

        void check(ModelCatalog catalog, String name, List<ModelCatalog.Write> writes, PrintWriter out)
                throws DeepMergeException {
            if (skip || writes.isEmpty()) {
                return;
            }
            ModelArtifact artifact = null;
            for (ModelCatalog.Write w : writes) {
                ModelTopic.Key k = ModelTopic.parseKey(w.key());
                if (k.kind() == ModelTopic.Key.Kind.LIVE) {
                    var pointer = ModelTopic.decodeLive(w.value());
                    for (ModelCatalog.Entry e : catalog.artifacts(name)) {
                        if (e.decoded() && e.version().equals(pointer.getVersion())
                                && e.sha256().equalsIgnoreCase(pointer.getSha256())) {
                            artifact = ModelTopic.decode(e.value());
                        }
                    }
                }
            }
            if (artifact != null) {
                verify(artifact, out);
            }
        }
    }

    static void verify(ModelArtifact artifact, PrintWriter out) throws DeepMergeException {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("deepmerge-verify-");
            ModelArtifactInstaller.Verified v = ModelArtifactInstaller.verify(artifact, dir, ScorerOptions.defaults());
            v.scorer().close();
            out.println("verified " + artifact.getName() + " " + artifact.getVersion() + ": SHA-256, contract, warm-up");
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
        if (writes.isEmpty()) {
            out.println("nothing to do: already live");
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
            description = "The artifacts on the model topic: name, version, sha256, size, created, key, and which is live.")
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
        b.append(String.format("%-4s %-24s %-12s %-64s %10s %-24s %s%n", "LIVE", "NAME", "VERSION", "SHA256", "BYTES",
                "CREATED", "KEY"));
        int n = 0;
        for (String name : catalog.names()) {
            if (only != null && !only.equals(name)) {
                continue;
            }
            ModelCatalog.Live live = catalog.live(name);
            for (ModelCatalog.Entry e : catalog.artifacts(name)) {
                n++;
                boolean isLive = live.entry() == e;
                b.append(String.format("%-4s %-24s %-12s %-64s %10d %-24s %s%n", isLive ? "*" : "", name,
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
            if (!verification.skip) {
                verify(artifact, out);
            }
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

    /** A command that moves the live pointer: read the topic, plan, verify the target, write. */
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

        @Override
        public Integer call() throws DeepMergeException {
            PrintWriter out = spec.commandLine().getOut();
            ModelTopicClient client = connection.client();
            ModelCatalog catalog = client.read();
            List<ModelCatalog.Write> writes = plan(catalog);
            verification.check(catalog, name, writes, out);
            return write(client, writes, out);
        }
    }

    /** {@code models promote}. */
    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "Make a published version live: the scorers following the model switch to it.")
    static final class Promote extends PointerCommand {
        @Parameters(index = "1", description = "Version to make live.")
        String version;

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
