package org.deepmerge.streams.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.streams.StreamsConfig;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.inference.Device;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.kafka.KafkaClientSettings;
import org.deepmerge.core.model.ModelTopic;
import org.deepmerge.core.registry.RegistryAuth;
import org.deepmerge.core.registry.RegistrySettings;

/**
 * The one validated configuration of the DeepMerge Streams scorer, in Kafka's {@link ConfigDef} style.
 *
 * <p>Keys starting with {@code deepmerge.} are ours (listed in {@code docs/configuration.md}, generated from
 * {@link #CONFIG}); every other key (e.g. {@code bootstrap.servers}, {@code security.protocol},
 * {@code sasl.jaas.config}, {@code ssl.truststore.location}, {@code num.stream.threads}) passes through
 * unchanged to Kafka Streams and its clients via {@link #streamsProperties()}.
 *
 * <p>Sources, later ones winning: a properties file, then environment variables, then command-line flags
 * (see {@link #load(Path, Map, Map)}). Environment variable names are {@code DEEPMERGE_} followed by the
 * key upper-cased with dots as underscores: {@code DEEPMERGE_MAX_BATCH_SIZE} sets
 * {@code deepmerge.max.batch.size}, and {@code DEEPMERGE_KAFKA_SASL_JAAS_CONFIG} sets the Kafka key
 * {@code sasl.jaas.config}.
 */
public final class DeepMergeStreamsConfig extends AbstractConfig {

    /** Prefix of every DeepMerge key. */
    public static final String PREFIX = KafkaClientSettings.DEEPMERGE_PREFIX;
    /** Environment variable prefix. */
    public static final String ENV_PREFIX = KafkaClientSettings.ENV_PREFIX;
    /** Environment variable prefix of pass-through Kafka settings. */
    public static final String ENV_KAFKA_PREFIX = KafkaClientSettings.ENV_KAFKA_PREFIX;

    public static final String INPUT_TOPIC = "deepmerge.input.topic";
    public static final String OUTPUT_TOPIC = "deepmerge.output.topic";
    public static final String DLQ_TOPIC = "deepmerge.dlq.topic";
    /**
     * Bytes kept free for a dead letter's key and headers below the producer's {@code max.request.size}: the
     * configuration is rejected when {@value #DLQ_MAX_VALUE_BYTES} plus this exceeds it.
     */
    public static final int DLQ_HEADROOM_BYTES = 64 * 1024;
    /** Largest dead-letter value written whole, bytes; larger values are cut to this prefix. */
    public static final String DLQ_MAX_VALUE_BYTES = "deepmerge.dlq.max.value.bytes";
    public static final String MODEL_PATH = "deepmerge.model.path";
    public static final String DEVICE = "deepmerge.device";
    public static final String INFERENCE_THREADS = "deepmerge.inference.threads";
    public static final String INFERENCE_SPIN_WAIT = "deepmerge.inference.spin.wait";
    public static final String INFERENCE_PINNED_BATCHES = "deepmerge.inference.pinned.batches";
    public static final String MAX_BATCH_SIZE = "deepmerge.max.batch.size";
    public static final String MAX_WAIT_MS = "deepmerge.max.wait.ms";
    public static final String CHANNEL_POLICY = "deepmerge.channel.policy";
    /** Whether the applicability gate keeps stars, empty and too small stamps from the model. */
    public static final String GATE_ENABLED = "deepmerge.gate.enabled";
    /** Whether every score carries the non-parametric morphology of its stamp. */
    public static final String MORPHOLOGY = "deepmerge.morphology";
    public static final String ASSEMBLE_TIMEOUT_MS = "deepmerge.assemble.timeout.ms";
    /** Most stream-thread replacements within {@link #FAULT_WINDOW_MS} before the instance shuts down. */
    public static final String FAULT_MAX_REPLACEMENTS = "deepmerge.fault.max.thread.replacements";
    /** The sliding window of {@link #FAULT_MAX_REPLACEMENTS}, ms. */
    public static final String FAULT_WINDOW_MS = "deepmerge.fault.window.ms";
    /** Most objects one stream task assembles at once under the assemble policy. */
    public static final String ASSEMBLE_MAX_OBJECTS = "deepmerge.assemble.max.objects";
    public static final String OUTPUT_ENCODING = "deepmerge.output.encoding";
    public static final String OUTPUT_REGISTRY_URL = "deepmerge.output.schema.registry.url";
    public static final String OUTPUT_SCHEMA_ID = "deepmerge.output.schema.id";
    public static final String INPUT_SCHEMA_DIR = "deepmerge.input.schema.dir";
    public static final String INPUT_REGISTRY_URL = "deepmerge.input.schema.registry.url";
    /** Secret: {@code user:password} for HTTP basic auth to the input registry (Confluent's basic.auth.user.info). */
    public static final String INPUT_REGISTRY_BASIC_AUTH = "deepmerge.input.schema.registry.basic.auth.user.info";
    /** Secret: bearer token for the input registry (Confluent's bearer.auth.token). */
    public static final String INPUT_REGISTRY_BEARER_TOKEN = "deepmerge.input.schema.registry.bearer.auth.token";
    /** Secret: {@code user:password} for HTTP basic auth to the output registry. */
    public static final String OUTPUT_REGISTRY_BASIC_AUTH = "deepmerge.output.schema.registry.basic.auth.user.info";
    /** Secret: bearer token for the output registry. */
    public static final String OUTPUT_REGISTRY_BEARER_TOKEN = "deepmerge.output.schema.registry.bearer.auth.token";
    /** Per-attempt timeout of schema registry requests, ms (input and output registry). */
    public static final String REGISTRY_TIMEOUT_MS = "deepmerge.schema.registry.timeout.ms";
    /** Largest schema registry answer read, bytes. */
    public static final String REGISTRY_MAX_RESPONSE_BYTES = "deepmerge.schema.registry.max.response.bytes";
    /** Attempts per schema registry request, the first included. */
    public static final String REGISTRY_MAX_ATTEMPTS = "deepmerge.schema.registry.max.attempts";
    /** Wait before the first retry of a schema registry request, ms (doubled for each further one). */
    public static final String REGISTRY_RETRY_BACKOFF_MS = "deepmerge.schema.registry.retry.backoff.ms";
    /** How long a schema id the registry does not have is remembered, ms. */
    public static final String REGISTRY_NOT_FOUND_TTL_MS = "deepmerge.schema.registry.not.found.ttl.ms";
    /** How long any other schema registry failure is remembered, ms. */
    public static final String REGISTRY_UNAVAILABLE_TTL_MS = "deepmerge.schema.registry.unavailable.ttl.ms";
    public static final String STORE_NAME = "deepmerge.batch.store.name";
    public static final String CHANNEL_MAPPING = "deepmerge.channel.mapping";
    public static final String MODEL_TOPIC = "deepmerge.model.topic";
    public static final String MODEL_CACHE_DIR = "deepmerge.model.cache.dir";
    /** Topic of the shadow model's scores; empty = {@code <deepmerge.output.topic>.shadow}. */
    public static final String SHADOW_TOPIC = "deepmerge.shadow.topic";
    /** Decision threshold on p(merger) of the shadow comparison's agreement. */
    public static final String SHADOW_THRESHOLD = "deepmerge.shadow.threshold";
    /** Most recent pairs the shadow comparison's Spearman correlation covers. */
    public static final String SHADOW_WINDOW = "deepmerge.shadow.window";
    public static final String MODEL_INPUT_NAME = "deepmerge.model.input.name";
    public static final String MODEL_CHANNELS = "deepmerge.model.channels";
    public static final String MODEL_PIXEL_SCALE = "deepmerge.model.pixel.scale.arcsec";
    public static final String MODEL_RESAMPLE = "deepmerge.model.resample";
    public static final String MODEL_OUTPUT_NAME = "deepmerge.model.output.name";
    public static final String MODEL_OUTPUT_KIND = "deepmerge.model.output.kind";
    public static final String MODEL_CLASSES = "deepmerge.model.classes";
    public static final String MODEL_MERGER_CLASS = "deepmerge.model.merger.class";
    public static final String INFERENCE_MAX_BATCH = "deepmerge.inference.max.batch";
    public static final String INFERENCE_MAX_DELAY_MS = "deepmerge.inference.max.delay.ms";
    /** Port of the metrics and health HTTP server of {@code deepmerge serve}; -1 = off (the library default). */
    public static final String HTTP_PORT = "deepmerge.http.port";
    /** Address the metrics and health HTTP server listens on. */
    public static final String HTTP_BIND_ADDRESS = "deepmerge.http.bind.address";
    /** The port {@code deepmerge serve} serves /metrics, /livez and /readyz on when {@value #HTTP_PORT} is not set. */
    public static final int SERVE_DEFAULT_HTTP_PORT = 9464;
    /** Static group membership: {@code group.instance.id} from the host (pod) name. */
    public static final String STATIC_MEMBERSHIP = "deepmerge.static.membership";
    /** The environment variable {@value #STATIC_MEMBERSHIP} takes the instance id from (the pod name in Kubernetes). */
    public static final String HOSTNAME_ENV = "HOSTNAME";

    /** Channel policies (issue 3, item 4). */
    public enum ChannelPolicy {
        /** Each alert on its own, strict: a model channel without a stamp of its band makes the alert a dead letter (MISSING_CUTOUT). */
        SINGLE,
        /** Each alert on its own (the default): channels without a stamp of their band are filled with the alert's band, flagged {@code incomplete}. */
        REPLICATE,
        /** Per-object assembly of the latest stamp per band, with a timeout (see docs/streaming.md). */
        ASSEMBLE;

        /** @return the configuration value, lower case */
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Output encodings of MergerScore values. */
    public enum OutputEncoding {
        /** Plain Avro binary, no framing; readers need the schema out of band. */
        PLAIN,
        /** Avro single-object encoding: C3 01, 8-byte CRC-64-AVRO schema fingerprint (little-endian), Avro binary. */
        SINGLE_OBJECT,
        /** Confluent wire format: 0x00, 4-byte big-endian schema id, Avro binary. */
        CONFLUENT;

        /** @return the configuration value, lower case with dashes */
        public String value() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static OutputEncoding parse(String v) {
            return valueOf(v.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    /** Where secrets should be given, appended to the documentation of every secret key. */
    private static final String SECRET_ADVICE = "Give it in the --config file or the environment variable, not with "
            + "--set (command lines are visible in the process list); never logged or shown in messages.";

    /** The definition of every DeepMerge key, with defaults, validators and documentation. */
    public static final ConfigDef CONFIG = new ConfigDef()
            .define(INPUT_TOPIC, Type.STRING, "alerts", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Topic of incoming alert messages (bytes in any format the core decodes: ZTF Avro container, "
                            + "Rubin Confluent-framed or container, DeepMerge Cutout record).")
            .define(OUTPUT_TOPIC, Type.STRING, "merger-scores", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Topic the MergerScore records are written to, keyed by source id (ZTF candid, Rubin diaSourceId, Cutout sourceId).")
            .define(DLQ_TOPIC, Type.STRING, "merger-dead-letters", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Dead-letter topic: every input that cannot be scored, with its original key and value bytes and "
                            + "deepmerge.* reason headers.")
            .define(DLQ_MAX_VALUE_BYTES, Type.INT, 512 * 1024, Range.between(0, 64 << 20), Importance.MEDIUM,
                    "Largest dead-letter value (bytes) written whole. A larger original value is written as its first "
                            + "this-many bytes, with header deepmerge.value.truncated = the original size, the original "
                            + "headers and the reason and source topic/partition/offset headers (fetch the original "
                            + "there). The default, 512 KiB, keeps a dead letter with its headers well under the "
                            + "producer's default max.request.size (1 MiB); keep it below max.request.size minus the "
                            + "headers and below the dead-letter topic's max.message.bytes.")
            .define(MODEL_PATH, Type.STRING, "", Importance.HIGH,
                    "Path of the ONNX model file (its deepmerge.* metadata_props are the model contract); empty = the default model embedded in deepmerge.jar.")
            .define(DEVICE, Type.STRING, "auto", ValidString.in("auto", "cpu", "cuda"), Importance.MEDIUM,
                    "ONNX Runtime device: auto (CUDA when available, else CPU), cpu, or cuda (fail if unavailable).")
            .define(INFERENCE_THREADS, Type.INT, 0, Range.atLeast(0), Importance.LOW,
                    "ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose.")
            .define(INFERENCE_SPIN_WAIT, Type.BOOLEAN, false, Importance.LOW,
                    "Let ONNX Runtime's idle intra-op threads spin (session.intra_op.allow_spinning). Off by default: on a"
                    + " small node shared with Kafka, spinning threads take CPU from the stream threads and the broker;"
                    + " turn on for dedicated many-core inference nodes.")
            .define(INFERENCE_PINNED_BATCHES, Type.STRING, "auto", ValidString.in("auto", "on", "off"), Importance.LOW,
                    "Pin the ONNX Runtime batch sizes of dynamic-batch models to powers of two up to the maximum"
                    + " (short batches zero-padded) and run each once when the session opens: auto = on CUDA only,"
                    + " where every new input shape costs a cuDNN algorithm search on its first run.")
            .define(MAX_BATCH_SIZE, Type.INT, 64, Range.between(1, 65536), Importance.MEDIUM,
                    "Micro-batch size: a task flushes its batch buffer when it holds this many preprocessed images.")
            .define(MAX_WAIT_MS, Type.LONG, 50L, Range.atLeast(1), Importance.MEDIUM,
                    "Longest time (ms, wall clock) the oldest buffered image waits before its batch is flushed.")
            .define(CHANNEL_POLICY, Type.STRING, "replicate", ValidString.in("single", "replicate", "assemble"),
                    Importance.MEDIUM,
                    "How an alert's bands fill the model's channels. replicate (default): each alert on its own, no waiting; "
                            + "a channel without a stamp of its band gets the alert's band, score flagged incomplete. single: each alert "
                            + "on its own, strict band match; alerts lacking a model band are dead letters (MISSING_CUTOUT). "
                            + "assemble: a changelogged store keyed by objectId keeps the latest stamp per model band; each alert "
                            + "that completes the model's bands is scored with every channel from its own band; objects still "
                            + "incomplete after deepmerge.assemble.timeout.ms are scored with missing bands replicated (incomplete). "
                            + "Alerts without objectId or without a model band are scored alone (as replicate).")
            .define(GATE_ENABLED, Type.BOOLEAN, true, Importance.MEDIUM,
                    "Run the applicability gate before the model: alerts on catalogue stars (ZTF sgscore1 > 0.5 within 1.5\"), "
                            + "stamps covering less than 75% of the model's field, empty or point-like stamps and broken inputs are not "
                            + "scored but published with applicable=false, pMerger null and the reason (docs/formats.md). "
                            + "false = every alert goes to the model (raw scores).")
            .define(MORPHOLOGY, Type.BOOLEAN, false, Importance.LOW,
                    "Add the non-parametric morphology of the central source (concentration, asymmetry, Gini, M20, "
                            + "Gini-M20 merger and bulge statistics, half-light, Petrosian and r20 radii in arcsec, a flag) "
                            + "to every score as the optional MergerScore field morphology, measured in the prepare step on "
                            + "one band of the model grid before the stretch (docs/formats.md, docs/science.md); also for "
                            + "not-applicable inputs. About 0.4 ms more stream-thread CPU per alert with the default model "
                            + "(0.42 ms -> 0.85 ms per real ZTF alert, docs/benchmarks.md); "
                            + "false = the field is null and nothing is computed.")
            .define(CHANNEL_MAPPING, Type.STRING, "", Importance.LOW,
                    "Which cutout kind feeds the model per survey, e.g. ZTF=template,LSST=science or kind=science; "
                            + "empty = the core defaults (ZTF and LSST template, others science).")
            .define(INFERENCE_MAX_BATCH, Type.INT, 0, Range.between(0, 65536), Importance.LOW,
                    "Most images per ONNX Runtime run of the shared inference batcher (dynamic-batch models; fixed-batch models"
                            + " use their N). 0 = automatic: 16 on CPU (fastest per CPU-second for the DeepMerge CNN), 256 on CUDA.")
            .define(INFERENCE_MAX_DELAY_MS, Type.LONG, 2L, Range.atLeast(0), Importance.LOW,
                    "Longest time (ms) the shared inference batcher waits for micro-batches of other stream threads before a run.")
            .define(ASSEMBLE_TIMEOUT_MS, Type.LONG, 3_600_000L, Range.atLeast(1), Importance.LOW,
                    "assemble policy: time (ms, wall clock) from an object's FIRST stamp until it is closed: scored with what is "
                            + "there (missing bands replicated, incomplete) if no alert completed it, and removed from the assembly "
                            + "store. Later stamps never extend it.")
            .define(FAULT_MAX_REPLACEMENTS, Type.INT, 5, Range.atLeast(0), Importance.LOW,
                    "Uncaught-exception policy: a failed stream thread is replaced (its tasks resume from their last "
                            + "committed offsets) at most this many times within deepmerge.fault.window.ms; one more "
                            + "failure in the window shuts the instance down (Kafka Streams SHUTDOWN_CLIENT, serve exits "
                            + "1) with one ERROR line, so a fault that repeats (a full disk, a lost GPU, a bug) pages "
                            + "someone instead of looping. Bad input never gets here: it is dead-lettered. 0 = no "
                            + "replacement.")
            .define(FAULT_WINDOW_MS, Type.LONG, 600_000L, Range.atLeast(1), Importance.LOW,
                    "The sliding window (ms) of deepmerge.fault.max.thread.replacements.")
            .define(ASSEMBLE_MAX_OBJECTS, Type.INT, 20_000, Range.between(1, Integer.MAX_VALUE), Importance.LOW,
                    "assemble policy: most objects one stream task keeps open (about 12 KB of state and changelog each for "
                            + "three gzipped ZTF stamps). A new object beyond it first closes the open object with the earliest "
                            + "deadline exactly as its timeout would (scored with what it has, incomplete if no alert completed it).")
            .define(OUTPUT_ENCODING, Type.STRING, "plain", ValidString.in("plain", "single-object", "confluent"),
                    Importance.MEDIUM,
                    "Encoding of MergerScore values: plain (Avro binary), single-object (Avro single-object encoding), "
                            + "confluent (Confluent wire format; needs a schema registry URL or a fixed schema id).")
            .define(OUTPUT_REGISTRY_URL, Type.STRING, "", Importance.MEDIUM,
                    "confluent encoding: schema registry base URL; the MergerScore schema is registered under subject "
                            + "<output topic>-value. Credentials as for " + INPUT_REGISTRY_URL + ".")
            .define(OUTPUT_SCHEMA_ID, Type.INT, -1, Range.atLeast(-1), Importance.LOW,
                    "confluent encoding without a registry: the fixed schema id written in every record (-1 = unset).")
            .define(INPUT_SCHEMA_DIR, Type.STRING, "", Importance.MEDIUM,
                    "Directory of Rubin alert schemas (lsst.vX_Y.alert.avsc) for Confluent-framed input (schema id = MAJOR*100+MINOR).")
            .define(INPUT_REGISTRY_URL, Type.STRING, "", Importance.MEDIUM,
                    "Schema registry base URL for Confluent-framed input whose schema id is not in the schema directory. "
                            + "Credentials in the URL (https://user:password@host) are used as basic auth and removed from "
                            + "the URL in requests and messages; prefer " + INPUT_REGISTRY_BASIC_AUTH + ".")
            .define(INPUT_REGISTRY_BASIC_AUTH, Type.PASSWORD, null, Importance.MEDIUM,
                    "Secret. user:password for HTTP basic auth to the input schema registry (Confluent's "
                            + "basic.auth.user.info). " + SECRET_ADVICE)
            .define(INPUT_REGISTRY_BEARER_TOKEN, Type.PASSWORD, null, Importance.MEDIUM,
                    "Secret. Bearer token for the input schema registry (Confluent's bearer.auth.token); not together "
                            + "with basic auth. " + SECRET_ADVICE)
            .define(OUTPUT_REGISTRY_BASIC_AUTH, Type.PASSWORD, null, Importance.LOW,
                    "Secret. user:password for HTTP basic auth to the output schema registry. " + SECRET_ADVICE)
            .define(OUTPUT_REGISTRY_BEARER_TOKEN, Type.PASSWORD, null, Importance.LOW,
                    "Secret. Bearer token for the output schema registry; not together with basic auth. " + SECRET_ADVICE)
            .define(REGISTRY_TIMEOUT_MS, Type.LONG, RegistrySettings.DEFAULT_TIMEOUT.toMillis(), Range.between(1, 600_000),
                    Importance.LOW,
                    "Schema registries (input and output): most time (ms) one attempt may take, connecting to last byte "
                            + "of the answer; past it the attempt counts as failed and is retried.")
            .define(REGISTRY_MAX_RESPONSE_BYTES, Type.LONG, RegistrySettings.DEFAULT_MAX_RESPONSE_BYTES,
                    Range.between(1024, 1L << 30), Importance.LOW,
                    "Schema registries: largest answer body read, bytes. A larger answer is refused as soon as it passes "
                            + "the limit (IO_ERROR, not retried; remembered as unavailable).")
            .define(REGISTRY_MAX_ATTEMPTS, Type.INT, RegistrySettings.DEFAULT_MAX_ATTEMPTS,
                    Range.between(1, RegistrySettings.MAX_ATTEMPTS_LIMIT), Importance.LOW,
                    "Schema registries: attempts per request, the first included. HTTP 408, 429, 5xx, timeouts and "
                            + "connection failures are retried; after the last attempt the alert is a dead letter "
                            + "(IO_ERROR). One request takes at most attempts x timeout plus the backoffs (30.75 s with "
                            + "the defaults); keep that well below max.poll.interval.ms.")
            .define(REGISTRY_RETRY_BACKOFF_MS, Type.LONG, RegistrySettings.DEFAULT_RETRY_BACKOFF.toMillis(),
                    Range.between(0, 60_000), Importance.LOW,
                    "Schema registries: wait (ms) before the first retry, doubled before each further one, at most 30 s.")
            .define(REGISTRY_NOT_FOUND_TTL_MS, Type.LONG, RegistrySettings.DEFAULT_NOT_FOUND_TTL.toMillis(),
                    Range.atLeast(0), Importance.LOW,
                    "Schema registries: how long (ms) a schema id the registry does not have (404, or an answer that is "
                            + "not an Avro schema) is remembered; alerts with that id are dead letters (UNKNOWN_SCHEMA) "
                            + "without a request meanwhile. 0 = ask every time.")
            .define(REGISTRY_UNAVAILABLE_TTL_MS, Type.LONG, RegistrySettings.DEFAULT_UNAVAILABLE_TTL.toMillis(),
                    Range.atLeast(0), Importance.LOW,
                    "Schema registries: how long (ms) any other failure for a schema id or subject (retries exhausted, "
                            + "credentials refused, answer too large) is remembered; alerts with that id are dead letters "
                            + "(IO_ERROR) without a request meanwhile, so a down registry does not cost the timeout per "
                            + "alert. 0 = ask every time.")
            .define(MODEL_TOPIC, Type.STRING, "", Importance.MEDIUM,
                    "Compacted model topic (e.g. " + ModelTopic.DEFAULT_TOPIC + ") to follow: new versions of the running "
                            + "model, published there, are hot-swapped in when their input contract is unchanged; "
                            + "empty = no hot-swap.")
            .define(MODEL_CACHE_DIR, Type.STRING, "", Importance.LOW,
                    "Directory for ONNX files received from the model topic; empty = <java.io.tmpdir>/deepmerge-models. "
                            + "Holds the live model, the previous one (rollback) and any a batch still uses; older files "
                            + "the installer wrote (<name>-<version>-<sha12>.onnx) are deleted at each install. Do not "
                            + "share it between instances serving different models.")
            .define(SHADOW_TOPIC, Type.STRING, "", Importance.MEDIUM,
                    "Topic of the shadow model's scores (MergerScore records naming the shadow model, keyed by source "
                            + "id, written in the same transaction as the live scores); empty = <" + OUTPUT_TOPIC
                            + ">.shadow. Used only while the model topic names a shadow (deepmerge models shadow).")
            .define(SHADOW_THRESHOLD, Type.DOUBLE, 0.5, Range.between(0.0, 1.0), Importance.LOW,
                    "Decision threshold on p(merger) for the shadow comparison: live and shadow agree on an input when "
                            + "both or neither give p >= threshold (deepmerge.shadow.agreement).")
            .define(SHADOW_WINDOW, Type.INT, 10_000, Range.between(2, 1_000_000), Importance.LOW,
                    "Most recent live/shadow pairs the shadow comparison's Spearman rank correlation covers "
                            + "(deepmerge.shadow.spearman); memory 16 bytes per pair, cost O(n log n) per metrics read.")
            .define(MODEL_INPUT_NAME, Type.STRING, "", Importance.LOW,
                    "Model contract override for ONNX files without deepmerge.* metadata: input tensor name (empty = from the model).")
            .define(MODEL_CHANNELS, Type.LIST, "", Importance.LOW,
                    "Model contract override: band name per input channel, comma-separated (empty = from the model).")
            .define(MODEL_PIXEL_SCALE, Type.DOUBLE, 0.0, Range.atLeast(0.0), Importance.LOW,
                    "Model contract override: pixel scale, arcsec/px (0 = from the model).")
            .define(MODEL_RESAMPLE, Type.STRING, "", ValidString.in("", "angular", "fit"), Importance.LOW,
                    "Model contract override: angular or fit resampling (empty = from the model).")
            .define(MODEL_OUTPUT_NAME, Type.STRING, "", Importance.LOW,
                    "Model contract override: output tensor to read (empty = from the model).")
            .define(MODEL_OUTPUT_KIND, Type.STRING, "", ValidString.in("", "sigmoid", "softmax", "logits"), Importance.LOW,
                    "Model contract override: what the output holds (empty = from the model).")
            .define(MODEL_CLASSES, Type.LIST, "", Importance.LOW,
                    "Model contract override: class names in output order, comma-separated (empty = from the model).")
            .define(MODEL_MERGER_CLASS, Type.STRING, "", Importance.LOW,
                    "Model contract override: name of the merger class (empty = from the model).")
            .define(HTTP_PORT, Type.INT, -1, Range.between(-1, 65535), Importance.MEDIUM,
                    "Port of the HTTP server for /metrics (Prometheus text format), /livez and /readyz: -1 = none, 0 = "
                            + "any free port (printed at start). Only deepmerge serve runs this server (an application "
                            + "embedding the topology registers ScoringRuntime.metrics and Micrometer's "
                            + "KafkaStreamsMetrics in its own registry); serve uses " + SERVE_DEFAULT_HTTP_PORT
                            + " when this is not set. See docs/operations.md.")
            .define(HTTP_BIND_ADDRESS, Type.STRING, "0.0.0.0", new ConfigDef.NonEmptyString(), Importance.LOW,
                    "Address the HTTP server of deepmerge.http.port listens on (0.0.0.0 = every interface, as "
                            + "Kubernetes probes and Prometheus need; 127.0.0.1 = this host only).")
            .define(STATIC_MEMBERSHIP, Type.STRING, "auto", ValidString.in("auto", "on", "off"), Importance.MEDIUM,
                    "Static consumer-group membership for deepmerge serve: group.instance.id is set to the host name, so "
                            + "a restart within the session timeout (consumer.session.timeout.ms) gets its tasks back "
                            + "without a rebalance; Kafka Streams adds -<thread> per stream thread. auto (default) = on "
                            + "when the environment variable HOSTNAME is set (every Kubernetes pod and container: the "
                            + "pod name), else off; on = HOSTNAME, else the host name the JVM resolves; off = dynamic "
                            + "membership. A group.instance.id given explicitly always wins. Host names must be "
                            + "unique per application.id: two instances on one host need off or their own "
                            + "group.instance.id. See docs/operations.md.")
            .define(STORE_NAME, Type.STRING, "deepmerge-batch-buffer", new ConfigDef.NonEmptyString(), Importance.LOW,
                    "Name of the changelogged state store that buffers preprocessed images until their batch is scored.");

    private final Map<String, Object> passThrough;
    private final RegistrySettings inputRegistry;
    private final RegistrySettings outputRegistry;

    /**
     * @param props every setting (ours and Kafka's)
     * @throws ConfigException when a value is invalid, ours or Kafka's (names the key and value; see
     *                         {@link KafkaSettings#validate})
     */
    public DeepMergeStreamsConfig(Map<?, ?> props) {
        super(CONFIG, props, false);
        for (Object k : props.keySet()) {
            String key = String.valueOf(k);
            if (key.startsWith(PREFIX) && !CONFIG.names().contains(key)) {
                // the value is not repeated: a mistyped key may hold a secret
                throw new ConfigException("unknown setting " + key + closestKey(key).map(c -> "; did you mean " + c + "?")
                        .orElse("") + " (every deepmerge.* key: docs/configuration.md)");
            }
        }
        Map<String, Object> pt = new LinkedHashMap<>();
        props.forEach((k, v) -> {
            String key = String.valueOf(k);
            if (!key.startsWith(PREFIX)) {
                pt.put(key, v);
            }
        });
        passThrough = pt;
        Map<String, Object> producer = KafkaSettings.validate(streamsProperties());
        long maxRequestBytes = ((Number) producer.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)).longValue();
        if (dlqMaxValueBytes() + DLQ_HEADROOM_BYTES > maxRequestBytes) {
            throw new ConfigException(DLQ_MAX_VALUE_BYTES, dlqMaxValueBytes(), "a dead letter of this many value bytes,"
                    + " plus up to " + DLQ_HEADROOM_BYTES + " bytes of key and headers, does not fit the producer's"
                    + " max.request.size of " + maxRequestBytes + " bytes");
        }
        if (List.of(inputTopic(), outputTopic(), dlqTopic()).contains(shadowTopic())) {
            throw new ConfigException(SHADOW_TOPIC, shadowTopic(), "the shadow topic must differ from the input, "
                    + "output and dead-letter topics");
        }
        inputRegistry = registry(INPUT_REGISTRY_URL, INPUT_REGISTRY_BASIC_AUTH, INPUT_REGISTRY_BEARER_TOKEN);
        outputRegistry = registry(OUTPUT_REGISTRY_URL, OUTPUT_REGISTRY_BASIC_AUTH, OUTPUT_REGISTRY_BEARER_TOKEN);
        if (outputEncoding() == OutputEncoding.CONFLUENT && outputRegistry == null
                && getInt(OUTPUT_SCHEMA_ID) < 0) {
            throw new ConfigException(OUTPUT_ENCODING, "confluent",
                    "confluent encoding needs " + OUTPUT_REGISTRY_URL + " or " + OUTPUT_SCHEMA_ID);
        }
    }

    /**
     * @return the settings of the registry at {@code urlKey} with its credentials and the shared registry limits, or
     *         null when the URL is empty
     * @throws ConfigException naming the key when the URL or the credentials are invalid (never showing a secret)
     */
    private RegistrySettings registry(String urlKey, String basicKey, String bearerKey) {
        // the parsed value is redacted (postProcessParsedConfig): the credentials are read from the original
        Object original = originals().get(urlKey);
        String url = original == null ? "" : original.toString().trim();
        String basic = secret(basicKey);
        String bearer = secret(bearerKey);
        if (url.isEmpty()) {
            if (basic != null || bearer != null) {
                throw new ConfigException(basic != null ? basicKey : bearerKey, RegistryAuth.MASK,
                        "registry credentials are set but " + urlKey + " is empty");
            }
            return null;
        }
        try {
            return RegistrySettings.parse(url, basic, bearer)
                    .withTimeout(Duration.ofMillis(getLong(REGISTRY_TIMEOUT_MS)))
                    .withMaxResponseBytes(getLong(REGISTRY_MAX_RESPONSE_BYTES))
                    .withRetries(getInt(REGISTRY_MAX_ATTEMPTS), Duration.ofMillis(getLong(REGISTRY_RETRY_BACKOFF_MS)))
                    .withNegativeCacheTtl(Duration.ofMillis(getLong(REGISTRY_NOT_FOUND_TTL_MS)),
                            Duration.ofMillis(getLong(REGISTRY_UNAVAILABLE_TTL_MS)));
        } catch (DeepMergeException | IllegalArgumentException e) {
            throw new ConfigException(urlKey, RegistrySettings.redactUrl(url), e.getMessage());
        }
    }

    /**
     * The input registry settings for a run without a configuration file (offline {@code score --registry URL}): the
     * URL given, the credentials and {@code deepmerge.schema.registry.*} limits from the same environment variables as
     * {@code serve} ({@code DEEPMERGE_INPUT_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO},
     * {@code DEEPMERGE_INPUT_SCHEMA_REGISTRY_BEARER_AUTH_TOKEN}, {@code DEEPMERGE_SCHEMA_REGISTRY_TIMEOUT_MS}, ...); other
     * variables are ignored.
     *
     * @param url registry URL
     * @param env environment variables
     * @return the validated settings
     * @throws DeepMergeException INVALID_CONFIG naming the bad key (never showing a secret)
     */
    public static RegistrySettings inputRegistry(String url, Map<String, String> env) throws DeepMergeException {
        Map<String, Object> settings = new HashMap<>();
        fromEnv(env).forEach((k, v) -> {
            if (k.startsWith("deepmerge.input.schema.registry.") || k.startsWith("deepmerge.schema.registry.")) {
                settings.put(k, v);
            }
        });
        settings.put(INPUT_REGISTRY_URL, url);
        return load(null, Map.of(), settings).inputRegistry().orElseThrow(() -> new DeepMergeException(
                Reason.INVALID_CONFIG, "schema registry URL is empty"));
    }

    /**
     * Keeps the parsed value of each registry URL without its user info, so that {@link #values()} (and anything that
     * logs the configuration) never shows credentials given in a URL; they are used from the original value only, to
     * build {@link #inputRegistry()} and {@link #outputRegistry()}. ({@link #originals()} holds every value as given,
     * passwords included, as in Kafka.)
     */
    @Override
    protected Map<String, Object> postProcessParsedConfig(Map<String, Object> parsedValues) {
        Map<String, Object> updates = new HashMap<>();
        for (String key : new String[] {INPUT_REGISTRY_URL, OUTPUT_REGISTRY_URL}) {
            if (parsedValues.get(key) instanceof String url && !url.equals(RegistrySettings.redactUrl(url))) {
                updates.put(key, RegistrySettings.redactUrl(url));
            }
        }
        return updates;
    }

    /** @return the value of a password key, null when unset or empty */
    private String secret(String key) {
        Password p = getPassword(key);
        return p == null || p.value().isEmpty() ? null : p.value();
    }

    /**
     * Loads the configuration from its three sources, later ones winning.
     *
     * @param file  properties file, or null
     * @param env   environment variables (usually {@code System.getenv()}); only {@code DEEPMERGE_*} are read
     * @param flags settings from command-line flags, full key names
     * @return the validated configuration
     * @throws DeepMergeException INVALID_CONFIG (names the bad key and source), IO_ERROR when the file cannot be read
     */
    public static DeepMergeStreamsConfig load(Path file, Map<String, String> env, Map<String, ?> flags)
            throws DeepMergeException {
        Map<String, Object> merged = new LinkedHashMap<>();
        if (file != null) {
            readProperties(file).forEach((k, v) -> merged.put(String.valueOf(k), v));
        }
        fromEnv(env).forEach((k, v) -> {
            if (k.startsWith(PREFIX) && !CONFIG.names().contains(k)) {
                // other tools share the DEEPMERGE_ prefix (e.g. DEEPMERGE_DATA_DIR of the tests): not an error here
                org.slf4j.LoggerFactory.getLogger(DeepMergeStreamsConfig.class).warn(
                        "ignoring environment variable {}: no setting {}{}", envName(k), k,
                        closestKey(k).map(c -> " (did you mean " + envName(c) + "?)").orElse(""));
            } else {
                merged.put(k, v);
            }
        });
        merged.putAll(flags);
        try {
            return new DeepMergeStreamsConfig(merged);
        } catch (ConfigException e) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "invalid configuration"
                    + (file != null ? " (file " + file + ", environment, flags)" : "") + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param key a {@code deepmerge.} key that is not defined
     * @return the defined key closest to it by edit distance (Levenshtein), when at most a third of its length away
     */
    static java.util.Optional<String> closestKey(String key) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String name : new java.util.TreeSet<>(CONFIG.names())) {
            int d = editDistance(key, name);
            if (d < bestDistance) {
                best = name;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.max(2, key.length() / 3) ? java.util.Optional.ofNullable(best) : java.util.Optional.empty();
    }

    /** Levenshtein distance: insertions, deletions and substitutions of one character each cost 1. */
    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * @param file a Java properties file (ISO 8859-1, {@code key=value} lines)
     * @return its settings
     * @throws DeepMergeException IO_ERROR naming the file when it cannot be read
     */
    public static Properties readProperties(Path file) throws DeepMergeException {
        return KafkaClientSettings.readProperties(file);
    }

    /**
     * @param env environment variables
     * @return the settings named by {@code DEEPMERGE_*} variables, as config keys
     */
    public static Map<String, String> fromEnv(Map<String, String> env) {
        return KafkaClientSettings.fromEnv(env);
    }

    /** @param key a DeepMerge key @return its environment variable name */
    public static String envName(String key) {
        return KafkaClientSettings.envName(key);
    }

    /**
     * The Kafka Streams properties: every non-DeepMerge setting as given, plus project defaults where unset:
     * {@code application.id=deepmerge-scorer}, {@code processing.guarantee=exactly_once_v2} and
     * {@code production.exception.handler} = {@code DeadLetterProductionExceptionHandler} (a score or dead letter
     * the producer refuses for good becomes a small dead letter instead of failing the task; it is also given
     * {@value #DLQ_TOPIC} and {@value #OUTPUT_TOPIC}),
     * {@code processing.exception.handler.global.enabled=true} (Kafka 5.0's default; the scoring topology has no
     * global state, so this only stops Kafka Streams 4.3 warning at every start that it is off), also with the
     * {@code main.consumer.} prefix: the partition assignor reads a Streams config of its own from the main
     * consumer's settings and would warn again.
     *
     * @return a fresh Properties object
     */
    public Properties streamsProperties() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "deepmerge-scorer");
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        p.put(StreamsConfig.mainConsumerPrefix(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG), "true");
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                org.deepmerge.streams.topology.DeadLetterProductionExceptionHandler.class.getName());
        passThrough.forEach(p::put);
        // read by the production exception handler's configure()
        p.put(DLQ_TOPIC, dlqTopic());
        p.put(OUTPUT_TOPIC, outputTopic());
        p.put(SHADOW_TOPIC, shadowTopic());
        return p;
    }

    /** @return the pass-through (non-DeepMerge) settings as given */
    public Map<String, Object> passThrough() {
        return Map.copyOf(passThrough);
    }

    public String inputTopic() {
        return getString(INPUT_TOPIC);
    }

    public String outputTopic() {
        return getString(OUTPUT_TOPIC);
    }

    public String dlqTopic() {
        return getString(DLQ_TOPIC);
    }

    /** @return largest dead-letter value written whole, bytes ({@value #DLQ_MAX_VALUE_BYTES}) */
    public int dlqMaxValueBytes() {
        return getInt(DLQ_MAX_VALUE_BYTES);
    }

    /** @return the model file, or null for the default model embedded in the jar */
    public Path modelPath() {
        String s = getString(MODEL_PATH);
        return s.isEmpty() ? null : Path.of(s);
    }

    public Device device() {
        return Device.valueOf(getString(DEVICE).toUpperCase(Locale.ROOT));
    }

    public int inferenceThreads() {
        return getInt(INFERENCE_THREADS);
    }

    public boolean inferenceSpinWait() {
        return getBoolean(INFERENCE_SPIN_WAIT);
    }

    /** @return batch-size pinning of dynamic-batch models */
    public ScorerOptions.Pinning inferencePinnedBatches() {
        return ScorerOptions.Pinning.valueOf(getString(INFERENCE_PINNED_BATCHES).toUpperCase(Locale.ROOT));
    }

    public int maxBatchSize() {
        return getInt(MAX_BATCH_SIZE);
    }

    /** @return whether the applicability gate runs ({@value #GATE_ENABLED}) */
    public boolean gateEnabled() {
        return getBoolean(GATE_ENABLED);
    }

    /** @return whether scores carry the morphology of their stamp ({@value #MORPHOLOGY}) */
    public boolean morphology() {
        return getBoolean(MORPHOLOGY);
    }

    /** @return max wait, ms */
    public long maxWaitMs() {
        return getLong(MAX_WAIT_MS);
    }

    public ChannelPolicy channelPolicy() {
        return ChannelPolicy.valueOf(getString(CHANNEL_POLICY).toUpperCase(Locale.ROOT));
    }

    /** @return assemble timeout, ms */
    public long assembleTimeoutMs() {
        return getLong(ASSEMBLE_TIMEOUT_MS);
    }

    /** @return most open objects per stream task under the assemble policy (at least 1) */
    public int assembleMaxObjects() {
        return getInt(ASSEMBLE_MAX_OBJECTS);
    }

    /** @return most stream-thread replacements within {@link #faultWindowMs()} */
    public int faultMaxReplacements() {
        return getInt(FAULT_MAX_REPLACEMENTS);
    }

    /** @return the sliding window of {@link #faultMaxReplacements()}, ms */
    public long faultWindowMs() {
        return getLong(FAULT_WINDOW_MS);
    }

    public OutputEncoding outputEncoding() {
        return OutputEncoding.parse(getString(OUTPUT_ENCODING));
    }

    /**
     * @return the output schema registry ({@value #OUTPUT_REGISTRY_URL}, its credentials and the
     *         {@code deepmerge.schema.registry.*} limits), empty when no URL is set
     */
    public Optional<RegistrySettings> outputRegistry() {
        return Optional.ofNullable(outputRegistry);
    }

    /** @return the fixed confluent schema id, or -1 */
    public int outputSchemaId() {
        return getInt(OUTPUT_SCHEMA_ID);
    }

    /** @return the Rubin schema directory, or null */
    public Path inputSchemaDir() {
        String s = getString(INPUT_SCHEMA_DIR);
        return s.isEmpty() ? null : Path.of(s);
    }

    /**
     * @return the input schema registry ({@value #INPUT_REGISTRY_URL}, its credentials and the
     *         {@code deepmerge.schema.registry.*} limits), empty when no URL is set
     */
    public Optional<RegistrySettings> inputRegistry() {
        return Optional.ofNullable(inputRegistry);
    }

    /** @return the model topic to follow, empty for none */
    public String modelTopic() {
        return getString(MODEL_TOPIC);
    }

    /** @return the topic of the shadow model's scores ({@value #SHADOW_TOPIC}, default {@code <output>.shadow}) */
    public String shadowTopic() {
        String s = getString(SHADOW_TOPIC);
        return s.isEmpty() ? outputTopic() + ".shadow" : s;
    }

    /** @return the shadow comparison's decision threshold on p(merger), in [0, 1] */
    public double shadowThreshold() {
        return getDouble(SHADOW_THRESHOLD);
    }

    /** @return pairs the shadow comparison's Spearman correlation covers (at least 2) */
    public int shadowWindow() {
        return getInt(SHADOW_WINDOW);
    }

    /** @return where models received from the model topic are stored */
    public Path modelCacheDir() {
        String s = getString(MODEL_CACHE_DIR);
        return s.isEmpty() ? Path.of(System.getProperty("java.io.tmpdir"), "deepmerge-models") : Path.of(s);
    }

    /** @return the channel-mapping spec (cutout kind per survey), empty for the defaults */
    public String channelMapping() {
        return getString(CHANNEL_MAPPING);
    }

    /** @return most images per ONNX Runtime run */
    public int inferenceMaxBatch() {
        return getInt(INFERENCE_MAX_BATCH);
    }

    /** @return the shared batcher's wait for more requests, ms */
    public long inferenceMaxDelayMs() {
        return getLong(INFERENCE_MAX_DELAY_MS);
    }

    /**
     * @return the model-contract overrides given by the {@code deepmerge.model.*} keys (null fields = from the model)
     */
    public org.deepmerge.core.model.ContractOverrides contractOverrides() {
        String resample = getString(MODEL_RESAMPLE);
        String kind = getString(MODEL_OUTPUT_KIND);
        return new org.deepmerge.core.model.ContractOverrides(emptyToNull(getString(MODEL_INPUT_NAME)),
                getList(MODEL_CHANNELS).isEmpty() ? null : getList(MODEL_CHANNELS),
                getDouble(MODEL_PIXEL_SCALE) > 0 ? getDouble(MODEL_PIXEL_SCALE) : null,
                resample.isEmpty() ? null : org.deepmerge.core.model.ResampleMode.valueOf(resample.toUpperCase(Locale.ROOT)),
                null, emptyToNull(getString(MODEL_OUTPUT_NAME)),
                kind.isEmpty() ? null : org.deepmerge.core.model.OutputKind.valueOf(kind.toUpperCase(Locale.ROOT)),
                getList(MODEL_CLASSES).isEmpty() ? null : getList(MODEL_CLASSES),
                emptyToNull(getString(MODEL_MERGER_CLASS)), null, null);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    public String storeName() {
        return getString(STORE_NAME);
    }

    /**
     * @param whenUnset the port to use when {@value #HTTP_PORT} was not given ({@link #SERVE_DEFAULT_HTTP_PORT} in
     *                  serve; -1 in the library)
     * @return the HTTP port: -1 = no server, 0 = any free port
     */
    public int httpPort(int whenUnset) {
        return originals().containsKey(HTTP_PORT) ? getInt(HTTP_PORT) : whenUnset;
    }

    /** @return the address the HTTP server listens on ({@value #HTTP_BIND_ADDRESS}) */
    public String httpBindAddress() {
        return getString(HTTP_BIND_ADDRESS);
    }

    /**
     * The static membership id {@value #STATIC_MEMBERSHIP} asks for.
     *
     * @param env environment variables (usually {@code System.getenv()}): {@value #HOSTNAME_ENV} is read
     * @return the {@code group.instance.id} to set; empty when membership stays dynamic or when
     *         {@code group.instance.id} is already given (with or without a {@code consumer.} / {@code main.consumer.}
     *         prefix), which is then used as it is
     * @throws DeepMergeException INVALID_CONFIG when it is {@code on} and no host name is known
     */
    public Optional<String> groupInstanceId(Map<String, String> env) throws DeepMergeException {
        String key = org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_INSTANCE_ID_CONFIG;
        if (passThrough.containsKey(key) || passThrough.containsKey(StreamsConfig.consumerPrefix(key))
                || passThrough.containsKey(StreamsConfig.mainConsumerPrefix(key))) {
            return Optional.empty();
        }
        String mode = getString(STATIC_MEMBERSHIP);
        String host = env.get(HOSTNAME_ENV);
        host = host == null || host.isBlank() ? null : host.trim();
        switch (mode) {
            case "off":
                return Optional.empty();
            case "auto":
                return Optional.ofNullable(host);
            default:
                if (host != null) {
                    return Optional.of(host);
                }
                try {
                    String resolved = java.net.InetAddress.getLocalHost().getHostName();
                    if (resolved != null && !resolved.isBlank()) {
                        return Optional.of(resolved);
                    }
                } catch (java.net.UnknownHostException e) {
                    // reported below
                }
                throw new DeepMergeException(Reason.INVALID_CONFIG, STATIC_MEMBERSHIP + "=on but no host name is known"
                        + " (no " + HOSTNAME_ENV + " environment variable, and the JVM cannot resolve one): set "
                        + HOSTNAME_ENV + " or group.instance.id");
        }
    }
}
