package org.deepmerge.training.publish;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.kafka.KafkaClientSettings;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelTopic;
import org.deepmerge.core.model.OutputKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code publish}: writes an ONNX model and its model card to a models directory and, with {@code --bootstrap},
 * sends it to the compacted model topic that running scorers follow, with the Kafka client settings (TLS, SASL) of
 * {@code --kafka-config}, {@code DEEPMERGE_KAFKA_*} environment variables and {@code --kafka-property}, later ones
 * winning. The card comes from {@code --card-json}
 * (e.g. a card written by an earlier step), then the flags override its fields; name, version and SHA-256 always
 * come from {@code --name}, {@code --version} and the file. Errors are {@link DeepMergeException}s; the CLI main class
 * maps them to exit codes (INVALID_CONFIG: 2, else 1).
 */
@Command(name = "publish",
        description = "Publish an ONNX model with its model card to a models directory and (optionally) the compacted "
                + "Kafka model topic that scorers follow to hot-swap models.")
public final class PublishCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    // no mixinStandardHelpOptions: its -V/--version would clash with the model's --version
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "ONNX model file (e.g. from export).")
    Path model;

    @Option(names = "--name", required = true, description = "Model name (letters, digits, . _ -); the record key.")
    String name;

    @Option(names = "--version", required = true, description = "Model version (letters, digits, . _ -).")
    String version;

    @Option(names = "--card-json", paramLabel = "FILE", description = "Model card JSON to start from (card fields: "
            + "data, training_command, metrics, intended_use, limits, deviations).")
    Path cardJson;

    @Option(names = "--report", paramLabel = "FILE", description = "Evaluation report.json whose metrics (with 95%% "
            + "intervals) go into the card.")
    Path report;

    @Option(names = "--data", paramLabel = "TEXT", description = "Card: training/evaluation data description.")
    String data;

    @Option(names = "--training-command", paramLabel = "TEXT", description = "Card: command line that reproduces the model.")
    String trainingCommand;

    @Option(names = "--intended-use", paramLabel = "TEXT", description = "Card: intended use.")
    String intendedUse;

    @Option(names = "--limit", paramLabel = "TEXT", description = "Card: a known limitation (repeatable; replaces the card's list).")
    List<String> limits;

    @Option(names = "--deviation", paramLabel = "TEXT", description = "Card: a deviation from the published model (repeatable; replaces the card's list).")
    List<String> deviations;

    @Option(names = ContractOverrides.FLAG_INPUT_NAME, paramLabel = "NAME", description = "Contract for files without "
            + "deepmerge.* metadata: input tensor name.")
    String inputName;

    @Option(names = ContractOverrides.FLAG_CHANNELS, split = ",", paramLabel = "BAND", description = "Contract: band "
            + "of each input channel, in order (e.g. F814W,F160W).")
    List<String> channels;

    @Option(names = ContractOverrides.FLAG_PIXEL_SCALE, paramLabel = "ARCSEC", description = "Contract: model pixel "
            + "scale, arcsec/px.")
    Double pixelScale;

    @Option(names = ContractOverrides.FLAG_OUTPUT_NAME, paramLabel = "NAME", description = "Contract: output tensor to read.")
    String outputName;

    @Option(names = ContractOverrides.FLAG_OUTPUT_KIND, paramLabel = "sigmoid|softmax|logits",
            description = "Contract: what the output tensor holds.")
    OutputKind outputKind;

    @Option(names = ContractOverrides.FLAG_CLASSES, split = ",", paramLabel = "CLASS", description = "Contract: class "
            + "names in output order.")
    List<String> classes;

    @Option(names = ContractOverrides.FLAG_MERGER_CLASS, paramLabel = "CLASS", description = "Contract: name of the "
            + "merger class.")
    String mergerClass;

    @Option(names = "--models-dir", required = true, paramLabel = "DIR", description = "Models directory to write "
            + "<name>-<version>.onnx, .card.md and .card.json into.")
    Path modelsDir;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers; when given, the "
            + "model is also sent to the model topic.")
    String bootstrap;

    @Option(names = "--topic", defaultValue = ModelTopic.DEFAULT_TOPIC, description = "Compacted model topic "
            + "(default: ${DEFAULT-VALUE}); created if missing.")
    String topic;

    @Option(names = "--kafka-config", paramLabel = "FILE", description = "Kafka client settings as a properties file, "
            + "e.g. security.protocol, sasl.mechanism, sasl.jaas.config, ssl.truststore.*: the place for secrets (also "
            + "DEEPMERGE_KAFKA_* environment variables, e.g. DEEPMERGE_KAFKA_SASL_JAAS_CONFIG); deepmerge.* keys are "
            + "ignored, so a scorer's --config file serves.")
    Path kafkaConfig;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE", description = "Extra Kafka client setting, e.g. "
            + "security.protocol=SSL (repeatable; beats --kafka-config and the environment). Not for secrets: the "
            + "command line is visible to every user.")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    /** Where DEEPMERGE_KAFKA_* settings are read from (tests replace it). */
    Map<String, String> environment = System.getenv();

    /** The keys the producer and admin client declare as passwords. */
    private static final Set<String> PASSWORD_KEYS = passwordKeys();

    @Override
    public Integer call() throws DeepMergeException {
        ModelPublisher.Prepared prepared = ModelPublisher.prepare(model, card(), overrides());
        PrintWriter out = spec.commandLine().getOut();
        ModelPublisher.PublishedFiles files = ModelPublisher.publishToDirectory(prepared, modelsDir);
        out.println((files.unchanged() ? "already published (unchanged): " : "published: ") + files.onnx());
        out.println("  card: " + files.cardMarkdown() + ", " + files.cardJson());
        if (bootstrap != null) {
            KafkaClientSettings.warnIfOnCommandLine("--kafka-property", kafkaProperties, PASSWORD_KEYS, "--kafka-config",
                    spec.commandLine().getErr());
            Properties props = KafkaClientSettings.load(kafkaConfig, environment, kafkaProperties);
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            ModelPublisher.PublishedRecord r = ModelPublisher.publishToKafka(props, topic, prepared);
            out.println("  topic: " + r.topic() + "-" + r.partition() + "@" + r.offset() + " (" + r.valueBytes()
                    + " bytes" + (r.topicCreated() ? ", topic created" : "") + ")");
        }
        out.flush();
        return 0;
    }

    private static Set<String> passwordKeys() {
        Set<String> keys = new TreeSet<>();
        for (ConfigDef def : List.of(ProducerConfig.configDef(), AdminClientConfig.configDef())) {
            def.configKeys().values().stream().filter(k -> k.type == ConfigDef.Type.PASSWORD).forEach(k -> keys.add(k.name));
        }
        return keys;
    }

    /** @return the contract flags given, as overrides */
    ContractOverrides overrides() throws DeepMergeException {
        ContractOverrides o = ContractOverrides.none().withInputName(inputName).withChannels(channels)
                .withPixelScaleArcsec(pixelScale).withOutputName(outputName).withClassNames(classes)
                .withMergerClass(mergerClass);
        if (outputKind != null) {
            o = o.withOutputKind(outputKind);
        }
        return o;
    }

    /** @return the card assembled from --card-json, --report and the card flags (sha256 left to the publisher) */
    ModelCard card() throws DeepMergeException {
        ModelCard c = cardJson != null ? ModelCard.read(cardJson)
                : new ModelCard(name, version, "", null, null, null, null, null, null);
        if (c.name() != null && !c.name().equals(name) || c.version() != null && !c.version().equals(version)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "model card " + cardJson + " is for " + c.name() + " "
                    + c.version() + ", not --name " + name + " --version " + version);
        }
        c = c.withName(name).withVersion(version);
        if (report != null) {
            c = c.withMetrics(ModelCard.metricsFromReport(report));
        }
        if (data != null) {
            c = c.withData(data);
        }
        if (trainingCommand != null) {
            c = c.withTrainingCommand(trainingCommand);
        }
        if (intendedUse != null) {
            c = c.withIntendedUse(intendedUse);
        }
        if (limits != null) {
            c = c.withLimits(limits);
        }
        if (deviations != null) {
            c = c.withDeviations(deviations);
        }
        return c;
    }
}
