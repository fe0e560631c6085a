package org.deepmerge.streams.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.deepmerge.avro.v1.Cutout;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.CutoutRecords;
import org.deepmerge.core.synthetic.SurveyPreset;
import org.deepmerge.core.synthetic.SyntheticCutouts;
import org.deepmerge.core.synthetic.SyntheticGalaxyGenerator;

/** Alert messages for the benchmarks: real alert files, or synthetic {@code Cutout} records. */
public final class BenchInputs {

    private BenchInputs() {
    }

    /**
     * @param inputs alert files and directories (walked recursively in name order, hidden files skipped); each file
     *               is one message, bytes exactly as archived
     * @param limit  keep at most this many messages (&gt; 0), in order
     * @return the message bytes
     * @throws DeepMergeException IO_ERROR naming a missing or unreadable path; INVALID_CONFIG when no file is found
     */
    public static List<byte[]> read(List<Path> inputs, int limit) throws DeepMergeException {
        List<Path> files = new ArrayList<>();
        for (Path in : inputs) {
            if (Files.isDirectory(in)) {
                try (Stream<Path> s = Files.walk(in)) {
                    s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                            .sorted().forEach(files::add);
                } catch (IOException e) {
                    throw new DeepMergeException(Reason.IO_ERROR, "cannot list " + in + ": " + e.getMessage(), e);
                }
            } else if (Files.isRegularFile(in)) {
                files.add(in);
            } else {
                throw new DeepMergeException(Reason.IO_ERROR, "input not found: " + in);
            }
        }
        List<byte[]> out = new ArrayList<>();
        for (Path f : files) {
            if (out.size() >= limit) {
                break;
            }
            try {
                out.add(Files.readAllBytes(f));
            } catch (IOException e) {
                throw new DeepMergeException(Reason.IO_ERROR, "cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "no alert files in " + inputs);
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
