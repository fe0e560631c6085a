package org.deepmerge.streams.testing;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;

/** The configuration of a scoring topology under TopologyTestDriver (no broker). */
public final class DriverConfigs {
    private DriverConfigs() {
    }

    /**
     * @param tmp       state directory parent
     * @param model     the ONNX model
     * @param maxBatch  {@code deepmerge.max.batch.size}
     * @param maxWaitMs {@code deepmerge.max.wait.ms}
     * @param extra     further settings, applied last
     * @return CPU, one inference thread, a bootstrap that is never contacted
     * @throws DeepMergeException when a setting is invalid
     */
    public static DeepMergeStreamsConfig of(Path tmp, Path model, int maxBatch, long maxWaitMs, Map<String, ?> extra)
            throws DeepMergeException {
        Map<String, Object> props = new HashMap<>();
        props.put(DeepMergeStreamsConfig.MODEL_PATH, model.toString());
        props.put(DeepMergeStreamsConfig.DEVICE, "cpu");
        props.put(DeepMergeStreamsConfig.INFERENCE_THREADS, "1");
        props.put(DeepMergeStreamsConfig.MAX_BATCH_SIZE, Integer.toString(maxBatch));
        props.put(DeepMergeStreamsConfig.MAX_WAIT_MS, Long.toString(maxWaitMs));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state").toString());
        props.putAll(extra);
        return DeepMergeStreamsConfig.load(null, Map.of(), props);
    }
}
