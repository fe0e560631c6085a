package org.deepmerge.training.publish;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ModelContracts;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.model.ModelTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a trained ONNX model with its {@link ModelCard}: to a models directory and to the compacted Kafka model
 * topic ({@link ModelTopic}, {@value ModelTopic#DEFAULT_TOPIC} by default) that running scorers follow to hot-swap
 * models (docs/model-publishing.md).
 *
 * <p>Identity: the scorer stamps the contract's model name and version on every score, and a scorer following the
 * topic opens models without overrides. So a file that declares {@code deepmerge.model.name}/{@code version} must
 * agree with the card; a file from the exporter with a complete contract is published byte for byte; a file lacking
 * name/version, or published with contract overrides, is published as a copy whose metadata_props gain the resolved
 * contract keys (see {@link #prepare(Path, ModelCard, ContractOverrides)}). The SHA-256 of the published bytes is the
 * model's identity.
 */
public final class ModelPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(ModelPublisher.class);

    private ModelPublisher() {
    }

    /**
     * An ONNX model ready to publish.
     *
     * @param onnx     the bytes to publish (the input file, or a copy with name/version added to metadata_props)
     * @param card     the card with name, version and the SHA-256 of {@code onnx}
     * @param contract the contract the scorer will resolve from {@code onnx}
     */
    public record Prepared(byte[] onnx, ModelCard card, ModelContract contract) {
    }

    /**
     * Where a model went in a models directory.
     *
     * @param onnx         {@code <dir>/<name>-<version>.onnx}
     * @param cardMarkdown {@code <dir>/<name>-<version>.card.md}
     * @param cardJson     {@code <dir>/<name>-<version>.card.json}
     * @param unchanged    true when identical files were already there (publishing again is a no-op)
     */
    public record PublishedFiles(Path onnx, Path cardMarkdown, Path cardJson, boolean unchanged) {
    }

    /**
     * Where a model went on Kafka.
     *
     * @param topic      the model topic
     * @param partition  partition of the record
     * @param offset     offset of the record
     * @param valueBytes size of the Avro value, bytes
     * @param topicCreated true when this call created the topic
     */
    public record PublishedRecord(String topic, int partition, long offset, int valueBytes, boolean topicCreated) {
    }

    /**
     * Checks the model file and the card against each other and fills in the card's SHA-256. Same as
     * {@link #prepare(Path, ModelCard, ContractOverrides)} without overrides.
     *
     * @param onnx the ONNX file
     * @param card the card
     * @return the bytes to publish, the completed card and the contract
     * @throws DeepMergeException as the three-argument form
     */
    public static Prepared prepare(Path onnx, ModelCard card) throws DeepMergeException {
        return prepare(onnx, card, ContractOverrides.none());
    }

    /**
     * Checks the model file and the card against each other and fills in the card's SHA-256. The file is published
     * unchanged when it carries {@code deepmerge.model.name}/{@code version} and its contract resolves without
     * overrides (files from the training {@code export} command). Otherwise (third-party files, or overrides given)
     * the resolved contract keys that are missing, or that an override changes, are written into a copy's
     * metadata_props, so that the published file describes itself to every scorer.
     *
     * @param onnx      the ONNX file (exported by the training {@code export} command or a third-party file)
     * @param card      the card; its name and version say what to publish; its sha256 may be blank, else must match
     *                  the published bytes
     * @param overrides contract values for files that lack them (model name/version come from the card); null = none
     * @return the bytes to publish, the completed card and the contract
     * @throws DeepMergeException IO_ERROR (file unreadable); INVALID_MODEL (not ONNX, contract unresolvable, name or
     *                            version in the file differ from the card's); INVALID_CONFIG (card incomplete or its
     *                            sha256 is not that of the published bytes)
     */
    public static Prepared prepare(Path onnx, ModelCard card, ContractOverrides overrides) throws DeepMergeException {
        ContractOverrides o = overrides == null ? ContractOverrides.none() : overrides;
        byte[] original = readFile(onnx);
        OnnxMl.ModelProto proto;
        try {
            proto = OnnxMl.ModelProto.parseFrom(original);
        } catch (InvalidProtocolBufferException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, onnx + " is not an ONNX model: " + e.getMessage(), e);
        }
        Map<String, String> md = new LinkedHashMap<>();
        for (OnnxMl.StringStringEntryProto p : proto.getMetadataPropsList()) {
            md.put(p.getKey(), p.getValue());
        }
        checkSame(onnx, ModelContract.KEY_MODEL_NAME, md.get(ModelContract.KEY_MODEL_NAME), card.name(), "--name");
        checkSame(onnx, ModelContract.KEY_MODEL_VERSION, md.get(ModelContract.KEY_MODEL_VERSION), card.version(), "--version");
        if (o.modelName() != null && !o.modelName().equals(card.name())
                || o.modelVersion() != null && !o.modelVersion().equals(card.version())) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "contract overrides name the model " + o.modelName() + " "
                    + o.modelVersion() + " but the card says " + card.name() + " " + card.version());
        }
        boolean hasOverrides = !o.equals(ContractOverrides.none());
        boolean stamp = hasOverrides || !md.containsKey(ModelContract.KEY_MODEL_NAME)
                || !md.containsKey(ModelContract.KEY_MODEL_VERSION);
        byte[] bytes = original;
        if (stamp) {
            ModelContract resolved = resolveContract(onnx, original,
                    o.withModelName(card.name()).withModelVersion(card.version()));
            Map<String, String> stamped = new LinkedHashMap<>(md);
            for (Map.Entry<String, String> e : resolved.toMetadata().entrySet()) {
                if (ModelContract.CONTRACT_KEYS.contains(e.getKey()) && (hasOverrides || !md.containsKey(e.getKey()))) {
                    stamped.put(e.getKey(), e.getValue());
                }
            }
            OnnxMl.ModelProto.Builder b = proto.toBuilder().clearMetadataProps();
            stamped.forEach((k, v) -> b.addMetadataProps(entry(k, v)));
            bytes = b.build().toByteArray();
            LOG.info("{}: publishing a copy with the resolved contract in its metadata_props (name {} version {})", onnx,
                    card.name(), card.version());
        }
        ModelContract contract = resolveContract(onnx, bytes, ContractOverrides.none());
        String sha = ModelIdentity.sha256(bytes);
        if (!card.sha256().isBlank() && !card.sha256().equalsIgnoreCase(sha)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "model card sha256 " + card.sha256() + " is not that of "
                    + onnx + " as published (" + sha + "): the card describes another file");
        }
        ModelCard full = card.withSha256(sha);
        full.validate();
        return new Prepared(bytes, full, contract);
    }

    private static ModelContract resolveContract(Path onnx, byte[] bytes, ContractOverrides o) throws DeepMergeException {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("deepmerge-publish-", ".onnx");
            Files.write(tmp, bytes);
            return ModelContracts.read(tmp, o);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot stage " + onnx + " for contract checking: " + e, e);
        } catch (DeepMergeException e) {
            throw new DeepMergeException(e.reason(), onnx + ": " + e.getMessage() + " (a scorer following the model "
                    + "topic opens models without overrides, so the published file must carry its contract: pass the "
                    + "contract flags to publish)", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    LOG.warn("cannot delete {}: {}", tmp, e.toString());
                }
            }
        }
    }

    private static void checkSame(Path onnx, String key, String inFile, String inCard, String flag) throws DeepMergeException {
        if (inFile != null && !inFile.equals(inCard)) {
            throw new DeepMergeException(Reason.INVALID_MODEL, onnx + " declares " + key + "='" + inFile
                    + "' but the card/" + flag + " says '" + inCard + "'; scores would carry the file's value");
        }
    }

    private static OnnxMl.StringStringEntryProto entry(String k, String v) {
        return OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    /**
     * Writes {@code <name>-<version>.onnx}, {@code .card.md} and {@code .card.json} into a models directory (created
     * if missing; each file written to a temporary name and moved into place atomically). Publishing the same model
     * and card again is a no-op; a different file under an existing name/version is refused before anything is
     * written (versions are immutable: publish a new version).
     *
     * @param onnx      the ONNX file
     * @param card      the model card (sha256 may be blank; it is filled in)
     * @param modelsDir the models directory
     * @return the three paths
     * @throws DeepMergeException as {@link #prepare}; INVALID_CONFIG when {@code <name>-<version>.*} exists with other
     *                            content; IO_ERROR when writing fails
     */
    public static PublishedFiles publishToDirectory(Path onnx, ModelCard card, Path modelsDir) throws DeepMergeException {
        return publishToDirectory(prepare(onnx, card), modelsDir);
    }

    /**
     * {@link #publishToDirectory(Path, ModelCard, Path)} for a model already {@link #prepare prepared} (e.g. with
     * contract overrides).
     *
     * @param p         the prepared model
     * @param modelsDir the models directory
     * @return the three paths
     * @throws DeepMergeException INVALID_CONFIG when {@code <name>-<version>.*} exists with other content; IO_ERROR
     */
    public static PublishedFiles publishToDirectory(Prepared p, Path modelsDir) throws DeepMergeException {
        String stem = p.card().name() + "-" + p.card().version();
        Path onnxOut = modelsDir.resolve(stem + ".onnx");
        Path mdOut = modelsDir.resolve(stem + ".card.md");
        Path jsonOut = modelsDir.resolve(stem + ".card.json");
        // checked ONNX first (the error names the SHA-256 in place); written cards first, ONNX last
        Map<Path, byte[]> files = new LinkedHashMap<>();
        files.put(onnxOut, p.onnx());
        files.put(jsonOut, p.card().toJson().getBytes(StandardCharsets.UTF_8));
        files.put(mdOut, p.card().toMarkdown().getBytes(StandardCharsets.UTF_8));
        List<Path> toWrite = new ArrayList<>();
        for (Map.Entry<Path, byte[]> f : files.entrySet()) {
            if (Files.exists(f.getKey())) {
                byte[] existing = readFile(f.getKey());
                if (!Arrays.equals(existing, f.getValue())) {
                    String what = f.getKey().equals(onnxOut) ? "an ONNX file with SHA-256 " + ModelIdentity.sha256(existing)
                            + " (publishing " + p.card().sha256() + ")" : "a different model card";
                    throw new DeepMergeException(Reason.INVALID_CONFIG, "model " + p.card().name() + " version "
                            + p.card().version() + " is already published in " + modelsDir + ": " + f.getKey()
                            + " holds " + what + "; published versions are immutable, publish a new version");
                }
            } else {
                toWrite.add(f.getKey());
            }
        }
        try {
            Files.createDirectories(modelsDir);
            List<Path> order = new ArrayList<>(toWrite);
            java.util.Collections.reverse(order);
            for (Path target : order) {
                Path tmp = Files.createTempFile(modelsDir, "." + target.getFileName(), ".part");
                try {
                    Files.write(tmp, files.get(target));
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot write model " + stem + " into " + modelsDir + ": " + e, e);
        }
        LOG.info("published {} (sha256 {}) to {}{}", stem, p.card().sha256(), modelsDir,
                toWrite.isEmpty() ? " (already there, unchanged)" : "");
        return new PublishedFiles(onnxOut, mdOut, jsonOut, toWrite.isEmpty());
    }

    /**
     * Builds the model-topic record value.
     *
     * @param p         a prepared model
     * @param createdAt publication time
     * @return the Avro record
     */
    public static ModelArtifact artifact(Prepared p, Instant createdAt) {
        Map<String, String> contract = p.contract().toMetadata();
        String producer = p.contract().extra().getOrDefault(ModelContract.KEY_PRODUCER, "deepmerge-training");
        return ModelArtifact.newBuilder()
                .setName(p.card().name())
                .setVersion(p.card().version())
                .setSha256(p.card().sha256())
                .setOnnx(ByteBuffer.wrap(p.onnx()))
                .setModelCardJson(p.card().toJson())
                .setCreatedAt(createdAt)
                .setProducer(producer)
                .setContract(new LinkedHashMap<>(contract))
                .build();
    }

    /**
     * Sends the model as one {@link ModelArtifact} record ({@link ModelTopic}: key = model name, UTF-8; value = Avro
     * single-object encoding) to a compacted topic, creating the topic if missing with {@code cleanup.policy=compact}
     * and {@code max.message.bytes} = {@value ModelTopic#MAX_MESSAGE_BYTES}. An existing topic must already be
     * compacted and accept the record's size. The producer is idempotent with {@code acks=all} (whatever
     * producerProps say); {@code max.request.size} is raised to fit the record. Blocks until the broker acknowledges.
     *
     * @param producerProps Kafka client settings: bootstrap.servers and any TLS/SASL settings (also used for the admin
     *                      client, filtered to admin settings)
     * @param topic         the model topic, e.g. {@value ModelTopic#DEFAULT_TOPIC}
     * @param onnx          the ONNX file
     * @param card          the model card (sha256 may be blank)
     * @return topic, partition, offset and size of the record
     * @throws DeepMergeException as {@link #prepare}; INVALID_CONFIG (no bootstrap.servers, credentials refused, topic
     *                            not compacted or its max.message.bytes too small); IO_ERROR (broker unreachable, send
     *                            failed)
     */
    public static PublishedRecord publishToKafka(Properties producerProps, String topic, Path onnx, ModelCard card)
            throws DeepMergeException {
        return publishToKafka(producerProps, topic, prepare(onnx, card));
    }

    /**
     * {@link #publishToKafka(Properties, String, Path, ModelCard)} for a model already {@link #prepare prepared}.
     *
     * @param producerProps Kafka client settings (bootstrap.servers, TLS/SASL)
     * @param topic         the model topic
     * @param p             the prepared model
     * @return topic, partition, offset and size of the record
     * @throws DeepMergeException INVALID_CONFIG (no bootstrap.servers, credentials refused, topic not compacted or too
     *                            small a max.message.bytes); IO_ERROR (broker unreachable, send failed)
     */
    public static PublishedRecord publishToKafka(Properties producerProps, String topic, Prepared p)
            throws DeepMergeException {
        if (producerProps.getProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG) == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "publish to Kafka: " + ProducerConfig.BOOTSTRAP_SERVERS_CONFIG
                    + " is not set");
        }
        if (topic == null || topic.isBlank()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "publish to Kafka: the model topic name is blank");
        }
        byte[] value = ModelTopic.encode(artifact(p, Instant.now()));
        boolean created = ensureTopic(producerProps, topic, value.length);
        Properties pp = producerProperties(producerProps, value.length);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            RecordMetadata m = producer.send(new ProducerRecord<>(topic, ModelTopic.key(p.card().name()), value)).get();
            LOG.info("published {} {} (sha256 {}, {} bytes) to {}-{}@{}", p.card().name(), p.card().version(),
                    p.card().sha256(), value.length, m.topic(), m.partition(), m.offset());
            return new PublishedRecord(m.topic(), m.partition(), m.offset(), value.length, created);
        } catch (ExecutionException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot send model " + p.card().name() + " to topic " + topic
                    + " at " + pp.getProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG) + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeepMergeException(Reason.IO_ERROR, "interrupted while sending model " + p.card().name(), e);
        } catch (KafkaException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "Kafka producer failed for topic " + topic + ": " + e, e);
        }
    }

    /**
     * @param props      caller's settings
     * @param valueBytes size of the record value
     * @return producer settings: idempotent, acks=all, max.request.size large enough for the record
     */
    static Properties producerProperties(Properties props, int valueBytes) {
        Properties p = new Properties();
        p.putAll(props);
        p.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        p.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "deepmerge-model-publisher");
        long need = (long) valueBytes + ModelTopic.RECORD_OVERHEAD_BYTES;
        String given = p.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        if (given == null || Long.parseLong(given.trim()) < need) {
            p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Long.toString(need));
        }
        return p;
    }

    /** @return true when the topic was created by this call */
    private static boolean ensureTopic(Properties props, String topic, int valueBytes) throws DeepMergeException {
        Map<String, Object> adminProps = new LinkedHashMap<>();
        Set<String> known = AdminClientConfig.configNames();
        for (String k : props.stringPropertyNames()) {
            if (known.contains(k)) {
                adminProps.put(k, props.getProperty(k));
            }
        }
        String bootstrap = props.getProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
        try (Admin admin = Admin.create(adminProps)) {
            boolean created = false;
            try {
                NewTopic nt = new NewTopic(topic, Optional.of(1), Optional.empty()).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, ModelTopic.CLEANUP_POLICY,
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(ModelTopic.MAX_MESSAGE_BYTES)));
                admin.createTopics(List.of(nt)).all().get();
                created = true;
                LOG.info("created model topic {} (cleanup.policy={}, max.message.bytes={})", topic,
                        ModelTopic.CLEANUP_POLICY, ModelTopic.MAX_MESSAGE_BYTES);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof AuthenticationException) {
                    throw new DeepMergeException(Reason.INVALID_CONFIG, "Kafka at " + bootstrap + " refused the "
                            + "connection: " + e.getCause().getMessage() + " (check security.protocol, sasl.mechanism, "
                            + "sasl.jaas.config and, for TLS, the ssl.truststore.* settings)", e.getCause());
                }
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new DeepMergeException(Reason.IO_ERROR, "cannot create model topic " + topic + " at " + bootstrap
                            + ": " + e.getCause(), e.getCause());
                }
            }
            String maxBytes = Integer.toString(ModelTopic.MAX_MESSAGE_BYTES);
            if (!created) {
                // a topic this call created has the settings above and is not described: a broker's metadata may not
                // know it yet (UnknownTopicOrPartitionException)
                ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                Config config = admin.describeConfigs(List.of(res)).all().get().get(res);
                ConfigEntry policy = config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
                if (policy == null || !Arrays.asList(policy.value().split(",")).contains(ModelTopic.CLEANUP_POLICY)) {
                    throw new DeepMergeException(Reason.INVALID_CONFIG, "model topic " + topic + " has cleanup.policy="
                            + (policy == null ? "(unknown)" : policy.value()) + "; it must be compacted (cleanup.policy="
                            + ModelTopic.CLEANUP_POLICY + ") so that followers always find the latest model of every name");
                }
                ConfigEntry max = config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                maxBytes = max == null ? null : max.value();
            }
            if (maxBytes != null && Long.parseLong(maxBytes) < (long) valueBytes + ModelTopic.RECORD_OVERHEAD_BYTES) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "model topic " + topic + " has max.message.bytes="
                        + maxBytes + " but the model record is " + valueBytes + " bytes (+ " + ModelTopic.RECORD_OVERHEAD_BYTES
                        + " overhead); raise it, e.g. kafka-configs --alter --add-config max.message.bytes="
                        + ModelTopic.MAX_MESSAGE_BYTES);
            }
            return created;
        } catch (ExecutionException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot describe model topic " + topic + " at " + bootstrap + ": "
                    + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeepMergeException(Reason.IO_ERROR, "interrupted while checking model topic " + topic, e);
        } catch (KafkaException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "Kafka admin client failed for " + bootstrap + ": " + e, e);
        }
    }

    private static byte[] readFile(Path f) throws DeepMergeException {
        try {
            return Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "file not found: " + f, e);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot read " + f + ": " + e, e);
        }
    }
}
