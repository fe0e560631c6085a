package org.deepmerge.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * The JSON result of one {@code deepmerge bench} run, written with Jackson. Top-level keys: {@code benchmark}
 * ({@code decode}, {@code infer} or {@code pipeline}), {@code device} (CPU, CUDA), {@code threads}, the figures
 * that apply ({@code stamps_per_second}, {@code images_per_second}, {@code alerts_per_second},
 * {@code latency_ms_p50}/{@code _p95}/{@code _p99}, {@code visit_seconds}), then details ({@code machine} with the
 * load average at the end of the run, {@code started}, per-benchmark tables).
 */
public final class BenchReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ObjectNode root = JSON.createObjectNode();

    /**
     * @param benchmark decode, infer or pipeline
     * @param device    the device that did the work, e.g. CPU, CUDA
     * @param threads   worker threads (decode threads, ONNX Runtime intra-op threads or stream threads)
     */
    public BenchReport(String benchmark, String device, int threads) {
        root.put("benchmark", benchmark);
        root.put("device", device);
        root.put("threads", threads);
        root.put("started", Instant.now().toString());
    }

    /**
     * @param key   figure name, e.g. {@code stamps_per_second}
     * @param value its value
     * @return this
     */
    public BenchReport put(String key, double value) {
        root.put(key, value);
        return this;
    }

    /** @param key name @param value value @return this */
    public BenchReport put(String key, long value) {
        root.put(key, value);
        return this;
    }

    /** @param key name @param value value @return this */
    public BenchReport put(String key, boolean value) {
        root.put(key, value);
        return this;
    }

    /** @param key name @param value value @return this */
    public BenchReport put(String key, String value) {
        root.put(key, value);
        return this;
    }

    /**
     * @param p latency percentiles, stored as {@code latency_ms_p50}, {@code _p95}, {@code _p99}, {@code _max}
     * @return this
     */
    public BenchReport putLatency(Percentiles p) {
        root.put("latency_ms_p50", p.p50());
        root.put("latency_ms_p95", p.p95());
        root.put("latency_ms_p99", p.p99());
        root.put("latency_ms_max", p.max());
        root.put("latency_samples", p.count());
        return this;
    }

    /** @param key name @return a new nested object under that key */
    public ObjectNode object(String key) {
        return root.putObject(key);
    }

    /** @param key name @return a new array under that key */
    public ArrayNode array(String key) {
        return root.putArray(key);
    }

    /** @return the JSON tree (live) */
    public ObjectNode json() {
        return root;
    }

    /**
     * Adds the machine, with the load average now, and writes the report.
     *
     * @param file destination JSON file (parent directories created)
     * @throws DeepMergeException IO_ERROR when it cannot be written
     */
    public void write(Path file) throws DeepMergeException {
        finish();
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            JSON.writeValue(file.toFile(), root);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot write benchmark JSON " + file + ": " + e.getMessage(), e);
        }
    }

    /** Records the machine and the load average at the end of the run (idempotent, last call wins). */
    public void finish() {
        root.set("machine", JSON.valueToTree(MachineInfo.probe()));
        root.put("peak_gflops_estimate", MachineInfo.probe().peakGflops());
    }
}
