package org.deepmerge.bench.micro;

import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.pipeline.PreparedImage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One real alert per operation through each step of {@code CutoutPipeline.prepare}, cycling over all alerts of
 * the folder so no single stamp's branch pattern is learnt: µs per alert. The steps' inputs are precomputed, so
 * each benchmark times its step alone; {@code prepare} is the whole path. {@code bench decode} reports the same
 * split as thread CPU time over its passes; this is the JMH view (forked JVM, warm-up, error bars).
 */
public class HotPathBench extends RealAlertsBench {

    AlertStamps data;
    private float[] image;

    /** Loads the alerts and prepares each step's input. */
    @Setup
    public void load() throws DeepMergeException {
        data = AlertStamps.load(alerts);
        image = new float[data.prep().contract().imageSize()];
    }

    private int nextAlert() {
        return cycle(data.messages().size());
    }

    /** Avro decoding of the alert (history skipped) and the selection of the model's stamps. */
    @Benchmark
    public List<CutoutStamp> readAlert() throws DeepMergeException {
        byte[] m = data.messages().get(nextAlert());
        return data.mapping().select(data.reader().read(m), data.prep().contract()).stamps();
    }

    /** gzip inflation of the alert's selected stamps (the JDK's Inflater; plain FITS passes through). */
    @Benchmark
    public void inflate(Blackhole bh) throws DeepMergeException {
        for (CutoutStamp s : data.stamps().get(nextAlert())) {
            bh.consume(data.decoder().gunzip(s.data(), s.kind()));
        }
    }

    /** FITS parsing of the inflated stamps (nom-tam-fits, checks, pixel conversion, NaN fill). */
    @Benchmark
    public void parseFits(Blackhole bh) throws DeepMergeException {
        int i = nextAlert();
        List<CutoutStamp> stamps = data.stamps().get(i);
        List<byte[]> fits = data.fits().get(i);
        for (int k = 0; k < fits.size(); k++) {
            bh.consume(data.decoder().decodeFits(fits.get(k), stamps.get(k).pixelScaleArcsec(), stamps.get(k).kind()));
        }
    }

    /** Resampling the decoded stamps onto the model grid, into a reused {@code [3,75,75]} float32 array. */
    @Benchmark
    public float[] preprocess() throws DeepMergeException {
        List<Stamp> stamps = data.decoded().get(nextAlert());
        data.prep().toTensor(stamps, image, 0);
        return image;
    }

    /** The whole per-alert path: message bytes to a new model input. */
    @Benchmark
    public PreparedImage prepare() throws DeepMergeException {
        return data.pipeline().prepare(data.messages().get(nextAlert()));
    }
}
