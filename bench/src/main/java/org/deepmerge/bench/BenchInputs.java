package org.deepmerge.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deepmerge.avro.v1.Cutout;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.CutoutRecords;
import org.deepmerge.core.archive.AlertSource;
import org.deepmerge.core.archive.AlertSourceEntry;
import org.deepmerge.core.synthetic.SurveyPreset;
import org.deepmerge.core.synthetic.SyntheticCutouts;
import org.deepmerge.core.synthetic.SyntheticGalaxyGenerator;

/** Alert messages for the benchmarks: real alert files, or synthetic {@code Cutout} records. */
public final class BenchInputs {

    private BenchInputs() {
    }

    /**
     * @param inputs alert files, directories and tar archives ({@code .tar.gz}, {@code .tgz}, {@code .tar}, e.g. the
     *               ZTF public nightly archive), read by the core {@link AlertSource}; each file or entry is one
     *               message, bytes exactly as archived; unreadable entries are skipped
     * @param limit  keep at most this many messages (&gt; 0), in order
     * @return the message bytes
     * @throws DeepMergeException IO_ERROR naming a missing or unreadable input; INVALID_CONFIG when no message is found
     */
    public static List<byte[]> read(List<Path> inputs, int limit) throws DeepMergeException {
        List<byte[]> out = new ArrayList<>();
        try (AlertSource source = AlertSource.open(inputs, AlertSource.DEFAULT_MAX_ENTRY_BYTES)) {
            for (AlertSourceEntry e = source.next(); e != null && out.size() < limit; e = source.next()) {
                if (e.readable()) {
                    out.add(e.bytes());
                }
            }
        }
        if (out.isEmpty()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "no readable alert messages in " + inputs);
        }
        return out;
    }

    /**
     * Synthetic alerts: {@link SyntheticCutouts#sampleSet} galaxies (half of them mergers) observed as the survey
     * preset prescribes (size, pixel scale, PSF, noise), FITS stamps gzipped as ZTF's are, each record in Avro
     * single-object encoding ({@link CutoutRecords#toSingleObject}), as a pipeline without its own alert format sends.
     *
     * @param preset survey look, e.g. {@link SurveyPreset#ZTF}
     * @param n      number of messages, &gt;= 1
     * @param seed   random seed
     * @return the message bytes
     * @throws DeepMergeException INVALID_CONFIG for n &lt; 1; the generator's reasons
     */
    public static List<byte[]> synthetic(SurveyPreset preset, int n, long seed) throws DeepMergeException {
        if (n < 1) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "synthetic message count must be >= 1, got " + n);
        }
        SyntheticGalaxyGenerator generator = new SyntheticGalaxyGenerator(seed, preset.generatorConfig());
        List<byte[]> out = new ArrayList<>(n);
        for (SyntheticCutouts.Labelled l : SyntheticCutouts.sampleSet(generator, preset.observation(true), n, 0.5,
                seed, true)) {
            Cutout c = l.cutout();
            out.add(CutoutRecords.toSingleObject(c));
        }
        return out;
    }
}
