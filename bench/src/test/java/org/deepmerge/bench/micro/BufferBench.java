package org.deepmerge.bench.micro;

import java.util.ArrayList;
import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.topology.PendingImage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * The micro-batch buffer's store value for one real preprocessed image ({@code [3,75,75]} float32, 67.5 kB):
 * {@link PendingImage#encode()} (repeated-plane check, byte shuffle + LZ4 of the stored planes), which every
 * buffered alert pays on the stream thread, and {@link PendingImage#decode}, which only restored entries pay.
 * µs per image.
 */
public class BufferBench extends RealAlertsBench {

    List<PendingImage> images;
    List<byte[]> encoded;

    /** Prepares every alert of the folder and encodes it once. */
    @Setup
    public void load() throws DeepMergeException {
        AlertStamps data = AlertStamps.load(alerts);
        images = new ArrayList<>();
        encoded = new ArrayList<>();
        for (byte[] m : data.messages()) {
            PendingImage pending = new PendingImage(ScoringRuntime.toInput(data.pipeline().prepare(m)), 0L, 0L);
            images.add(pending);
            encoded.add(pending.encode());
        }
    }

    /** Encoding one image for the changelogged buffer store. */
    @Benchmark
    public byte[] encode() {
        return images.get(cycle(images.size())).encode();
    }

    /** Decoding one store value back (restore path). */
    @Benchmark
    public PendingImage decode() {
        return PendingImage.decode(encoded.get(cycle(images.size())));
    }
}
