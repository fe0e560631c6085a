package org.deepmerge.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.core.preprocess.RobustStats;
import org.deepmerge.training.eval.ContactSheet;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Re-observation of labelled display images as survey stamps, on the real GZ1 images. */
class ReobserverTest {

    static ModelContract contract() {
        return new ModelContract("input", -1, List.of(ChannelMapping.ANY_BAND), 40, 40, 1.2, ResampleMode.ANGULAR,
                Normalisation.survey(0.1f), "output", OutputKind.SIGMOID, List.of("non-merger", "merger"), 1, "t", "0", Map.of());
    }

    @Test
    void stampHasTheSurveyGridSkyAndNoise() throws Exception {
        Path gz1 = TestData.require("galaxies/gz1");
        List<ImageFolderReader.Entry> entries = ImageFolderReader.entries(gz1, new ImageFolderReader.Options("objid",
                "merger", ImageFolderReader.Colour.GRI, 40, 40, 3));
        List<Stamp> gri = ImageFolderReader.load(entries.get(0).file(), ImageFolderReader.Colour.GRI);
        Reobserver r = new Reobserver(Reobserver.Survey.ZTF, Reobserver.Conditions.defaults());
        Stamp a = r.reobserve(gri, new Random(3));
        Stamp b = r.reobserve(gri, new Random(3));
        Stamp c = r.reobserve(gri, new Random(4));
        assertEquals(63, a.width());
        assertEquals(1.012, a.pixelScaleArcsec());
        assertArrayEquals(a.pixels(), b.pixels(), "same seed, same stamp");
        assertTrue(!java.util.Arrays.equals(a.pixels(), c.pixels()), "another seed, another stamp");
        RobustStats.Sky sky = RobustStats.borderSky(a.pixels(), 0, 63, 63);
        assertTrue(sky.sigma() > 0, "noise added");
        double centre = a.pixels()[31 * 63 + 31] - sky.level();
        assertTrue(centre > 3 * sky.sigma(), "galaxy centre " + centre + " above 3 sigma " + sky.sigma());
    }

    @Test
    void splitIsByGalaxyAndRowsArePreprocessed(@TempDir Path tmp) throws Exception {
        Path gz1 = TestData.require("galaxies/gz1");
        ReobservedDataset.Result res = ReobservedDataset.build(gz1, new ImageFolderReader.Options("objid", "merger",
                ImageFolderReader.Colour.GRI, 40, 40, 40), contract(), new Reobserver(Reobserver.Survey.ZTF,
                Reobserver.Conditions.defaults()), 3, 1, 0.7, 0.1, 42, 7);
        ImageDataset d = res.data();
        assertEquals(res.split().train().length + res.split().validation().length + res.split().test().length, d.size());
        assertEquals(3 * 28, res.split().train().length, "3 copies of each of the 28 training galaxies");
        Set<String> trainGalaxies = galaxies(d, res.split().train());
        for (int row : res.split().test()) {
            assertTrue(!trainGalaxies.contains(d.id(row).split("#")[0]), "test galaxy " + d.id(row) + " also in training");
        }
        List<ContactSheet.Tile> tiles = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            float[] img = new float[40 * 40];
            d.copyImage(i, img, 0);
            double max = 0;
            for (float v : img) {
                max = Math.max(max, v);
            }
            assertTrue(max > 0.5 && max < 1.6, "normalised peak " + max + " of row " + d.id(i));
            tiles.add(new ContactSheet.Tile(img, 40, 40, d.id(i).substring(12) + " y=" + d.label(i)));
        }
        Path png = tmp.resolve("sheet.png");
        ContactSheet.write(tiles, 6, 3, -0.1f, 1.1f, "re-observed as ZTF", png);
        assertTrue(java.nio.file.Files.size(png) > 1000);
        if (System.getProperty("deepmerge.sheet.out") != null) {
            java.nio.file.Files.copy(png, Path.of(System.getProperty("deepmerge.sheet.out")),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Set<String> galaxies(ImageDataset d, int[] rows) {
        Set<String> out = new HashSet<>();
        for (int r : rows) {
            out.add(d.id(r).split("#")[0]);
        }
        return out;
    }

    @Test
    void reobserveCommandWritesZtfAlertsTheProductionReaderDecodes(@TempDir Path tmp) throws Exception {
        Path gz1 = TestData.require("galaxies/gz1");
        Path like;
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(TestData.require("alerts/ztf"))) {
            like = s.filter(p -> p.toString().endsWith(".avro")).sorted().findFirst().orElseThrow();
        }
        Path out = tmp.resolve("val");
        int rc = org.deepmerge.training.cli.TrainCli.commandLine().execute("reobserve", "--data",
                gz1.toString(), "--format", "ztf", "--like", like.toString(), "--part", "validation", "--out", out.toString());
        assertEquals(0, rc);
        List<String> lines = java.nio.file.Files.readAllLines(out.resolve("labels.csv"));
        assertEquals("objectId,sourceId,label,asymmetry", lines.get(0));
        assertEquals(151, lines.size(), "150 validation galaxies");
        assertEquals(9, lines.stream().skip(1).filter(l -> l.split(",")[2].equals("1")).count(), "9 validation mergers");
        String[] first = lines.get(1).split(",");
        org.deepmerge.core.alert.Alert a = new org.deepmerge.core.alert.AlertReader(null).read(
                java.nio.file.Files.readAllBytes(out.resolve(first[1] + ".avro")));
        assertEquals("ZTF", a.survey());
        assertEquals(first[0], a.objectId());
        assertEquals(first[1], a.sourceId());
        Stamp t = new org.deepmerge.core.fits.StampDecoder(org.deepmerge.core.fits.StampLimits.defaults())
                .decode(a.stamp("template").orElseThrow());
        assertEquals(63, t.width());
        assertTrue(Double.parseDouble(first[3]) > 0, "asymmetry measured");
    }

    @Test
    void galaxyFreeNegativesGoToTrainingAndValidationOnly() throws Exception {
        Path gz1 = TestData.require("galaxies/gz1");
        ReobservedDataset.Result res = ReobservedDataset.build(gz1, new ImageFolderReader.Options("objid", "merger",
                ImageFolderReader.Colour.GRI, 40, 40, 40), contract(), new Reobserver(Reobserver.Survey.ZTF,
                Reobserver.Conditions.defaults()), 2, 1, 0.7, 0.1, 42, 7, 0.5);
        ImageDataset d = res.data();
        assertEquals(2 * 28 + 28, res.split().train().length, "56 galaxy rows and 28 negatives");
        assertEquals(4 + 2, res.split().validation().length, "4 galaxy rows and 2 negatives");
        for (int row : res.split().test()) {
            assertTrue(!d.id(row).startsWith("negative"), "no negative in the test part: " + d.id(row));
        }
        long negatives = java.util.stream.IntStream.range(0, d.size()).filter(i -> d.id(i).startsWith("negative")).count();
        assertEquals(30, negatives);
        for (int i = 0; i < d.size(); i++) {
            if (d.id(i).startsWith("negative")) {
                assertEquals(0, d.label(i), "negatives are non-mergers");
            }
        }
    }
}
