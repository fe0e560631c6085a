package org.deepmerge.training.cli;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.file.SeekableByteArrayInput;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.commons.csv.CSVPrinter;
import org.deepmerge.avro.v1.Cutout;
import org.deepmerge.avro.v1.CutoutBand;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.CutoutRecords;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.fits.StampEncoder;
import org.deepmerge.core.io.Csv;
import org.deepmerge.core.preprocess.RobustStats;
import org.deepmerge.training.data.ImageFolderReader;
import org.deepmerge.training.data.Reobserver;
import org.deepmerge.training.data.Split;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deepmerge-train reobserve}: writes one part of a labelled image folder's split, re-observed as survey alerts,
 * so that a model can be evaluated through the serving path ({@code deepmerge score}, {@code evaluate --alerts}):
 * ZTF alerts (an Avro container file per alert, the writer schema and every other field taken from a real alert given
 * with {@code --like}; the template, science and difference stamps replaced) or the project's own Cutout records
 * (g, r, i in one record). Writes {@code labels.csv} beside them: objectId, sourceId, label and the rotational
 * asymmetry of the stamp over the model's field (the classical baseline on the very same stamps).
 */
@Command(name = "reobserve", mixinStandardHelpOptions = true,
        description = "Write a split part of an image folder re-observed as ZTF alerts or Cutout records, with labels.csv.")
public final class ReobserveCommand implements Callable<Integer> {
    /** Cutout-record stamps: 121x121 at 0.4"/px (48"), seeing 1.0-1.6" (a ground-based imaging survey). */
    static final Reobserver.Survey CUTOUT = new Reobserver.Survey("CUTOUT", 121, 0.4, 1.0, 1.6);

    @Option(names = "--data", required = true, description = "Image folder (labels.csv + images/), gri composites.")
    Path data;

    @Option(names = "--format", defaultValue = "ztf", description = "ztf | cutout (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--like", description = "--format ztf: a real ZTF alert file whose writer schema and fields are reused.")
    Path like;

    @Option(names = "--part", defaultValue = "test", description = "test | validation | train | all (default: ${DEFAULT-VALUE}).")
    String part;

    @Option(names = "--split-seed", defaultValue = "42", description = "Seed of the stratified galaxy split (default: ${DEFAULT-VALUE}).")
    long splitSeed;

    @Option(names = "--seed", defaultValue = "2026", description = "Seed of the observing conditions (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--field-arcsec", defaultValue = "48", description = "Field over which labels.csv's asymmetry is measured, arcsec (default: ${DEFAULT-VALUE}, the default model's).")
    double fieldArcsec;

    @Option(names = "--out", required = true, description = "Output directory (alerts + labels.csv).")
    Path out;

    @Option(names = "--write-split", description = "Also write the galaxy split of the image folder as a split.json, for"
            + " evaluate --data FOLDER --split FILE --part test on the pictures themselves.")
    Path writeSplit;

    @Override
    public Integer call() throws Exception {
        boolean ztf = format.equalsIgnoreCase("ztf");
        if (!ztf && !format.equalsIgnoreCase("cutout")) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--format " + format + " is not ztf or cutout");
        }
        GenericRecord template = null;
        if (ztf) {
            if (like == null) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "--format ztf needs --like ALERT.avro (a real ZTF alert)");
            }
            template = firstRecord(like);
        }
        List<ImageFolderReader.Entry> entries = ImageFolderReader.entries(data, ImageFolderReader.Options.defaults());
        int[] labels = entries.stream().mapToInt(ImageFolderReader.Entry::label).toArray();
        Split split = Split.stratified(labels, Split.DEFAULT_TRAIN, Split.DEFAULT_VALIDATION, splitSeed);
        int[] rows = split.part(part, entries.size());
        Files.createDirectories(out);
        if (writeSplit != null) {
            org.deepmerge.training.train.SplitFile.write(split, "galaxy split of " + data + ", seed " + splitSeed, writeSplit);
        }
        Reobserver.Survey survey = ztf ? Reobserver.Survey.ZTF : CUTOUT;
        Reobserver r = new Reobserver(survey, Reobserver.Conditions.defaults());
        int n = 0;
        try (BufferedWriter w = Files.newBufferedWriter(out.resolve("labels.csv"), StandardCharsets.UTF_8);
                CSVPrinter csv = Csv.printer(w)) {
            csv.printRecord("objectId", "sourceId", "label", "asymmetry");
            for (int g : rows) {
                ImageFolderReader.Entry e = entries.get(g);
                List<Stamp> gri = ImageFolderReader.load(e.file(), ImageFolderReader.Colour.GRI);
                long candid = 3_000_000_000_000_000L + g;
                String objectId = "GZ1" + e.id();
                double ra = (g * 0.2371) % 360.0;
                double dec = -20 + (g % 400) * 0.1;
                Stamp measured;
                if (ztf) {
                    Random pick = new Random(seed * 31 + g);
                    int band = pick.nextInt(2);
                    Stamp st = r.reobserve(gri, band, new Random(seed * 1_000_003L + g));
                    Stamp sci = noisier(st, new Random(seed + 7L * g));
                    float[] diff = new float[st.pixels().length];
                    for (int i = 0; i < diff.length; i++) {
                        diff[i] = sci.pixels()[i] - st.pixels()[i];
                    }
                    GenericRecord alert = ztfAlert(template, candid, objectId, ra, dec, band + 1, st, sci,
                            new Stamp(st.width(), st.height(), diff, st.pixelScaleArcsec(), 0));
                    Files.write(out.resolve(candid + ".avro"), container(alert));
                    measured = st;
                } else {
                    List<CutoutBand> bands = new ArrayList<>();
                    Stamp rBand = null;
                    for (int b = 0; b < 3; b++) {
                        Stamp st = r.reobserve(gri, b, new Random(seed * 1_000_003L + g));
                        bands.add(CutoutRecords.band(List.of("g", "r", "i").get(b), "science", st.pixelScaleArcsec(),
                                StampEncoder.encode(st.width(), st.height(), st.pixels(), st.pixelScaleArcsec(), ra, dec, true)));
                        if (b == 1) {
                            rBand = st;
                        }
                    }
                    Cutout c = CutoutRecords.cutout(Long.toString(candid), objectId, "GZ1-REOBS", ra, dec, null, bands);
                    Files.write(out.resolve(candid + ".avro"), CutoutRecords.toContainerFile(List.of(c)));
                    measured = rBand;
                }
                csv.printRecord(objectId, candid, e.label(),
                        String.format(Locale.ROOT, "%.6f", asymmetry(measured, fieldArcsec)));
                n++;
            }
        }
        System.err.printf(Locale.ROOT, "wrote %d %s %s inputs of the %s part to %s%n", n, survey.name(),
                ztf ? "alerts" : "Cutout records", part, out);
        return 0;
    }

    /**
     * Rotational asymmetry {@code A = sum|I - I_rot180| / sum|I|} (Conselice 2003) of the sky-subtracted stamp over the
     * central square of side {@code fieldArcsec}, rotated about the stamp centre.
     *
     * @param s           the stamp
     * @param fieldArcsec side of the central square, arcsec
     * @return A, or NaN when the square holds no flux
     */
    public static double asymmetry(Stamp s, double fieldArcsec) {
        int w = s.width();
        int h = s.height();
        double sky = RobustStats.borderSky(s.pixels(), 0, w, h).level();
        int side = (int) Math.min(Math.min(w, h), Math.round(fieldArcsec / s.pixelScaleArcsec()));
        int x0 = (w - side) / 2;
        int y0 = (h - side) / 2;
        double num = 0;
        double den = 0;
        for (int y = y0; y < y0 + side; y++) {
            for (int x = x0; x < x0 + side; x++) {
                double v = s.pixels()[y * w + x] - sky;
                double rot = s.pixels()[(h - 1 - y) * w + (w - 1 - x)] - sky;
                num += Math.abs(v - rot);
                den += Math.abs(v);
            }
        }
        return den > 0 ? num / den : Double.NaN;
    }

    private static Stamp noisier(Stamp t, Random rng) {
        double sigma = RobustStats.borderSky(t.pixels(), 0, t.width(), t.height()).sigma();
        float[] p = t.pixels().clone();
        for (int i = 0; i < p.length; i++) {
            p[i] += (float) (sigma * rng.nextGaussian());
        }
        return new Stamp(t.width(), t.height(), p, t.pixelScaleArcsec(), 0);
    }

    private static GenericRecord firstRecord(Path file) throws DeepMergeException {
        try (DataFileReader<GenericRecord> r = new DataFileReader<>(new SeekableByteArrayInput(Files.readAllBytes(file)),
                new GenericDatumReader<>())) {
            return r.next();
        } catch (IOException | RuntimeException e) {
            throw new DeepMergeException(Reason.MALFORMED_ALERT, file + ": not an Avro container file of a ZTF alert: "
                    + e.getMessage(), e);
        }
    }

    private static GenericRecord ztfAlert(GenericRecord like, long candid, String objectId, double ra, double dec, int fid,
                                          Stamp template, Stamp science, Stamp difference) throws DeepMergeException {
        Schema schema = like.getSchema();
        GenericRecord a = GenericData.get().deepCopy(schema, like);
        a.put("candid", candid);
        a.put("objectId", objectId);
        if (schema.getField("prv_candidates") != null && schema.getField("prv_candidates").schema().isNullable()) {
            a.put("prv_candidates", null);
        }
        if (schema.getField("fp_hists") != null && schema.getField("fp_hists").schema().isNullable()) {
            a.put("fp_hists", null);
        }
        GenericRecord c = (GenericRecord) a.get("candidate");
        c.put("candid", candid);
        c.put("ra", ra);
        c.put("dec", dec);
        c.put("fid", fid);
        // a transient on a galaxy: nearest PS1 source 0.3" away, extended (Tachibana & Miller 2018 score ~0)
        putIfPresent(c, "sgscore1", 0.03f);
        putIfPresent(c, "distpsnr1", 0.3f);
        stamp(a, "cutoutTemplate", candid, "template", template, ra, dec);
        stamp(a, "cutoutScience", candid, "science", science, ra, dec);
        stamp(a, "cutoutDifference", candid, "difference", difference, ra, dec);
        return a;
    }

    private static void putIfPresent(GenericRecord r, String field, float value) {
        Schema.Field f = r.getSchema().getField(field);
        if (f != null) {
            Schema t = f.schema().isUnion() ? f.schema().getTypes().stream().filter(x -> x.getType() != Schema.Type.NULL)
                    .findFirst().orElseThrow() : f.schema();
            r.put(field, t.getType() == Schema.Type.DOUBLE ? (Object) (double) value : (Object) value);
        }
    }

    private static void stamp(GenericRecord alert, String field, long candid, String kind, Stamp s, double ra, double dec) {
        GenericRecord cut = (GenericRecord) alert.get(field);
        cut.put("fileName", "candid" + candid + "_" + kind + ".fits.gz");
        cut.put("stampData", ByteBuffer.wrap(StampEncoder.encode(s.width(), s.height(), s.pixels(), Double.NaN, ra, dec, true)));
    }

    private static byte[] container(GenericRecord alert) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<>(alert.getSchema()))) {
            w.create(alert.getSchema(), bytes);
            w.append(alert);
        }
        return bytes.toByteArray();
    }
}
