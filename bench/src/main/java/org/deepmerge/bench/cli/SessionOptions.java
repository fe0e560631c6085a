package org.deepmerge.bench.cli;

import org.deepmerge.core.inference.Device;
import org.deepmerge.core.inference.ScorerOptions;
import picocli.CommandLine.Option;

/** The ONNX Runtime session flags shared by {@code bench infer} and {@code bench pipeline} (a picocli mixin). */
public final class SessionOptions {
    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "ONNX Runtime intra-op threads; 0 = ONNX Runtime default, one per physical core (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--spin",
            description = "Let idle ONNX Runtime intra-op threads spin (session.intra_op.allow_spinning; default: off).")
    boolean spin;

    @Option(names = "--pinned-batches", defaultValue = "AUTO", paramLabel = "AUTO|ON|OFF",
            description = "Pad dynamic-batch runs to powers of two and warm those sizes up at open (default: ${DEFAULT-VALUE}: on CUDA only).")
    ScorerOptions.Pinning pinning;

    /**
     * @param device execution device
     * @return scorer options with these thread, spinning and pinning settings
     */
    ScorerOptions scorerOptions(Device device) {
        return ScorerOptions.defaults().withDevice(device).withThreads(threads, 0).withSpinWait(spin).withPinning(pinning);
    }
}
