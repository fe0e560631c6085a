package org.deepmerge.bench.micro;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.alert.AlertReader;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.fits.StampDecoder;
import org.deepmerge.core.fits.StampLimits;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.pipeline.CutoutPipeline;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.core.preprocess.Preprocessor;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.bench.BenchInputs;
import org.deepmerge.bench.DecodeBenchmark;

/**
 * The real alerts of one survey folder, prepared as every step of the hot path sees its input: the Kafka message
 * bytes, each alert's selected stamps as in the alert (gzipped for ZTF), inflated FITS, decoded stamps, and the
 * serving objects ({@link AlertReader}, default {@link ChannelMapping}, {@link StampDecoder}, {@link Preprocessor}
 * for the DeepMerge contract, {@code [3,75,75]} at 0.1875 arcsec/px). Alerts that cannot be prepared are left out.
 *
 * @param messages  Kafka message values that prepare to a model input
 * @param stamps    per message, the distinct stamps its channels use (a stamp replicated into three channels
 *                  once, as {@code CutoutPipeline} decodes it once), bytes as in the alert
 * @param fits      per message, those stamps inflated (plain FITS bytes)
 * @param decoded   per message, the decoded stamp of each model channel, in channel order
 * @param reader    the alert reader
 * @param mapping   the channel mapping
 * @param decoder   the stamp decoder
 * @param prep      the preprocessor
 * @param pipeline  the whole per-alert path, {@link CutoutPipeline#prepare(byte[])}
 */
record AlertStamps(List<byte[]> messages, List<List<CutoutStamp>> stamps, List<List<byte[]>> fits,
                   List<List<Stamp>> decoded, AlertReader reader, ChannelMapping mapping, StampDecoder decoder,
                   Preprocessor prep, CutoutPipeline pipeline) {

    /**
     * @param folder a folder below {@code alerts/} of the data directory, e.g. {@code ztf} or {@code rubin-v9_0}
     * @return the prepared alerts
     * @throws DeepMergeException    when the folder's alerts cannot be read
     * @throws IllegalStateException when the folder is missing or none of its alerts prepares (names the path)
     */
    static AlertStamps load(String folder) throws DeepMergeException {
        Path dir = TestData.dir().resolve("alerts").resolve(folder);
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("real alerts missing: " + dir + " (set -Ddeepmerge.data.dir)");
        }
        ModelContract contract = DecodeBenchmark.deepMergeContract();
        ChannelMapping mapping = ChannelMapping.defaults();
        AlertReader reader = new AlertReader(null, mapping::kindsFor);
        StampDecoder decoder = new StampDecoder(StampLimits.defaults());
        Preprocessor prep = new Preprocessor(contract);
        CutoutPipeline pipeline = new CutoutPipeline(reader, decoder, mapping, prep, org.deepmerge.core.gate.GateConfig.defaults());
        List<byte[]> ok = new ArrayList<>();
        List<List<CutoutStamp>> stamps = new ArrayList<>();
        List<List<byte[]>> fits = new ArrayList<>();
        List<List<Stamp>> decoded = new ArrayList<>();
        for (byte[] m : BenchInputs.read(List.of(dir), 100_000)) {
            try {
                pipeline.prepare(m);
            } catch (DeepMergeException e) {
                continue;
            }
            Map<CutoutStamp, Stamp> byStamp = new IdentityHashMap<>();
            List<CutoutStamp> distinct = new ArrayList<>();
            List<byte[]> inflated = new ArrayList<>();
            List<CutoutStamp> selected = mapping.select(reader.read(m), contract).stamps();
            for (CutoutStamp s : selected) {
                if (!byStamp.containsKey(s)) {
                    byte[] f = decoder.gunzip(s.data(), s.kind());
                    byStamp.put(s, decoder.decodeFits(f, s.pixelScaleArcsec(), s.kind()));
                    distinct.add(s);
                    inflated.add(f);
                }
            }
            ok.add(m);
            stamps.add(distinct);
            fits.add(inflated);
            decoded.add(selected.stream().map(byStamp::get).toList());
        }
        if (ok.isEmpty()) {
            throw new IllegalStateException("no alert in " + dir + " prepares to a model input");
        }
        return new AlertStamps(ok, stamps, fits, decoded, reader, mapping, decoder, prep, pipeline);
    }
}
