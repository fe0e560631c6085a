package org.deepmerge.core.preprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import nom.tam.fits.BasicHDU;
import nom.tam.fits.Fits;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertFormat;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.inference.Device;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;

/**
 * Channel mapping, preprocessing and scoring on the real ZTF and Rubin alerts in ../shared/data, with the real
 * third-party ONNX model. Alerts and stamps are read here with Avro and nom-tam-fits directly, so that this test
 * depends only on the scoring packages (the production readers are tested in the alert/fits packages).
 */
class RealAlertsPreprocessTest {

    private static List<GenericRecord> records(Path dir) throws Exception {
        List<GenericRecord> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".avro")).sorted().toList()) {
                try (DataFileReader<GenericRecord> r = new DataFileReader<>(new File(f.toString()), new GenericDatumReader<>())) {
                    out.add(r.next());
                }
            }
        }
        return out;
    }

    private static byte[] bytes(Object o) {
        if (o == null) {
            return null;
        }
        ByteBuffer b = ((ByteBuffer) o).duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** Test-side FITS read: first 2-D HDU, gunzipped if needed, NaN replaced by 0. */
    static Stamp decode(CutoutStamp s) throws DeepMergeException {
        try {
            return read(s);
        } catch (java.io.IOException | nom.tam.fits.FitsException e) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, s.kind() + ": " + e, e);
        }
    }

    private static Stamp read(CutoutStamp s) throws java.io.IOException, nom.tam.fits.FitsException {
        byte[] d = s.data();
        InputStream in = new ByteArrayInputStream(d);
        if (d.length > 2 && (d[0] & 0xff) == 0x1f && (d[1] & 0xff) == 0x8b) {
            in = new GZIPInputStream(in);
        }
        try (Fits fits = new Fits(in)) {
            for (BasicHDU<?> hdu = fits.readHDU(); hdu != null; hdu = fits.readHDU()) {
                if (hdu.getAxes() != null && hdu.getAxes().length == 2) {
                    Object k = hdu.getKernel();
                    int h = hdu.getAxes()[0];
                    int w = hdu.getAxes()[1];
                    float[] px = new float[w * h];
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            double v = k instanceof float[][] ? ((float[][]) k)[y][x] : ((double[][]) k)[y][x];
                            px[y * w + x] = Double.isFinite(v) ? (float) v : 0f;
                        }
                    }
                    return new Stamp(w, h, px, s.pixelScaleArcsec(), 0);
                }
            }
        }
        throw new AssertionError("no 2-D image in " + s.kind());
    }

    static OnnxScorer thirdParty() throws DeepMergeException {
        return OnnxScorer.open(TestData.require("models/deepmerge-da-pytorch-untrained.onnx"),
                ScorerOptions.defaults().withDevice(Device.CPU), ContractOverrides.none()
                        .withChannels(List.of("g", "r", "i")).withOutputName("52").withOutputKind(OutputKind.LOGITS));
    }

    @Test
    void ztfTemplatesPreprocessAndScore() throws Exception {
        List<GenericRecord> alerts = records(TestData.require("alerts/ztf"));
        assertEquals(87, alerts.size());
        try (OnnxScorer scorer = thirdParty()) {
            ModelContract c = scorer.contract();
            Preprocessor pre = new Preprocessor(c);
            ChannelMapping mapping = ChannelMapping.defaults();
            float[] batch = new float[alerts.size() * c.imageSize()];
            int n = 0;
            for (GenericRecord a : alerts) {
                GenericRecord cand = (GenericRecord) a.get("candidate");
                String band = List.of("g", "r", "i").get(((Number) cand.get("fid")).intValue() - 1);
                List<CutoutStamp> stamps = new ArrayList<>();
                for (String kind : ChannelMapping.KINDS) {
                    GenericRecord cut = (GenericRecord) a.get("cutout" + Character.toUpperCase(kind.charAt(0)) + kind.substring(1));
                    stamps.add(new CutoutStamp(kind, band, 1.012, cut == null ? null : bytes(cut.get("stampData"))));
                }
                Alert alert = new Alert(AlertFormat.ZTF_AVRO_CONTAINER, "ZTF", String.valueOf(cand.get("candid")),
                        String.valueOf(a.get("objectId")), 0, 0, 0, stamps, null);
                int[] decodes = {0};
                ChannelMapping.Selection sel = pre.toTensor(alert, mapping, st -> {
                    decodes[0]++;
                    return decode(st);
                }, batch, n * c.imageSize());
                assertEquals(1, decodes[0], "a replicated stamp is decoded once");
                assertEquals("template", sel.stamps().get(0).kind());
                assertTrue(sel.incomplete(), "one ZTF band cannot match channels g,r,i");
                assertEquals(1, sel.sources().stream().filter(ChannelMapping.Source::bandMatch).count());
                List<Stamp> decoded = List.of(decode(sel.stamps().get(0)));
                Stamp t = decoded.get(0);
                float min = Float.MAX_VALUE;
                float max = -Float.MAX_VALUE;
                for (float v : t.pixels()) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                // the 14" grid lies inside the >= 30" stamp: every output pixel is a mean of stamp pixels
                for (int i = n * c.imageSize(), e = (n + 1) * c.imageSize(); i < e; i++) {
                    assertTrue(batch[i] >= min - 1e-3f * Math.abs(min) && batch[i] <= max + 1e-3f * Math.abs(max),
                            "alert " + alert.sourceId() + " pixel " + i + " = " + batch[i] + " outside [" + min + "," + max + "]");
                }
                n++;
            }
            List<Prediction> p = scorer.score(batch, n);
            assertEquals(87, p.size());
            for (Prediction pr : p) {
                assertTrue(Float.isFinite(pr.pMerger()));
                assertEquals(1.0, pr.probabilities().get(0) + pr.probabilities().get(1), 1e-5);
            }
        }
    }

    @Test
    void rubinTemplatesAreZeroPaddedOnTheModelGrid() throws Exception {
        List<GenericRecord> alerts = records(TestData.require("alerts/rubin-v9_0"));
        assertEquals(288, alerts.size());
        try (OnnxScorer scorer = thirdParty()) {
            ModelContract c = scorer.contract();
            Preprocessor pre = new Preprocessor(c);
            float[] batch = new float[alerts.size() * c.imageSize()];
            int scored = 0;
            int missing = 0;
            for (GenericRecord a : alerts) {
                GenericRecord src = (GenericRecord) a.get("diaSource");
                String band = String.valueOf(src.get("band"));
                List<CutoutStamp> stamps = new ArrayList<>();
                for (String kind : ChannelMapping.KINDS) {
                    stamps.add(new CutoutStamp(kind, band, 0.2,
                            bytes(a.get("cutout" + Character.toUpperCase(kind.charAt(0)) + kind.substring(1)))));
                }
                Alert alert = new Alert(AlertFormat.RUBIN_AVRO_CONTAINER, "LSST", String.valueOf(src.get("diaSourceId")),
                        null, 0, 0, 0, stamps, null);
                ChannelMapping.Selection sel;
                try {
                    sel = ChannelMapping.defaults().select(alert, c);
                } catch (DeepMergeException e) {
                    assertEquals(Reason.MISSING_CUTOUT, e.reason());
                    assertTrue(e.getMessage().startsWith("cutoutTemplate is"), e.getMessage());
                    missing++;
                    continue;
                }
                List<Stamp> decoded = new ArrayList<>();
                for (CutoutStamp s : sel.stamps()) {
                    decoded.add(decode(s));
                }
                int at = scored * c.imageSize();
                pre.toTensor(decoded, batch, at);
                Stamp t = decoded.get(0);
                double halfWidthArcsec = t.width() * 0.2 / 2;
                // grid pixels entirely outside the stamp's footprint are zero padding
                int outside = (int) Math.floor(37.5 - halfWidthArcsec / 0.1875) - 1;
                if (outside >= 0) {
                    assertEquals(0f, batch[at]);
                    assertEquals(0f, batch[at + outside * 75 + 37], "row " + outside + " is outside a " + t.width() + " px stamp");
                }
                scored++;
            }
            assertEquals(scored, scorer.score(batch, scored).size());
            assertTrue(scored > 0, "some Rubin alerts carry a template");
            assertEquals(288, scored + missing);
            System.out.printf("rubin-v9_0: %d scored, %d without cutoutTemplate%n", scored, missing);
        }
    }
}
