package org.deepmerge.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import nom.tam.fits.Fits;
import nom.tam.fits.ImageHDU;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.training.data.RotationResidual;
import org.deepmerge.training.network.Architecture;
import org.deepmerge.training.network.Networks;
import org.deepmerge.training.train.Checkpoints;
import org.deepmerge.training.train.ModelInfo;
import org.deepmerge.training.testing.Gz1Subset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code explain} of a checkpoint shaped like the default model (channel {@code any} plus the rotation residual,
 * 40x40, survey normalisation) on real GZ1 JPEGs and real ZTF alerts. The network is untrained: the test checks
 * what is written, not what the maps show (GradCamTest does that).
 */
class ExplainCommandTest {
    @TempDir
    static Path tmp;
    static Path model;
    static Path folder;

    private static int run(StringWriter err, String... args) {
        var cl = TrainCli.commandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @BeforeAll
    static void setUp() throws Exception {
        folder = tmp.resolve("gz1-subset");
        Gz1Subset.make(folder, 3, 3);
        model = tmp.resolve("run").resolve("best.zip");
        Checkpoints.save(Networks.build(Architecture.DEEPSHADOWS, 2, 40, 40, 1e-3, 5),
                new ModelInfo("deepshadows", List.of("any", RotationResidual.CHANNEL), 40, 40, "survey:0.1", "test", "fp", ""),
                model);
    }

    @Test
    void imageFolderGivesOverlaysMapsTableAndGrid() throws Exception {
        StringWriter err = new StringWriter();
        Path out = tmp.resolve("explain-images");
        assertEquals(0, run(err, "explain", "--model", model.toString(), "--images", folder.toString(), "--out",
                out.toString(), "--limit", "5"), err.toString());
        List<String> csv = Files.readAllLines(out.resolve("explain.csv"));
        assertEquals(6, csv.size(), csv.toString());
        assertTrue(csv.get(0).startsWith("id,location,label,p_merger,logit,peak"), csv.get(0));
        for (String row : csv.subList(1, csv.size())) {
            String id = row.split(",")[0];
            var png = ImageIO.read(out.resolve(id + ".png").toFile());
            assertTrue(png.getWidth() > 2 * 40 && png.getHeight() > 40);
            try (Fits f = new Fits(out.resolve(id + ".fits").toFile())) {
                ImageHDU primary = (ImageHDU) f.getHDU(0);
                float[][] map = (float[][]) primary.getKernel();
                assertEquals(40, map.length);
                assertEquals(40, map[0].length);
                for (float[] r : map) {
                    for (float v : r) {
                        assertTrue(v >= 0 && v <= 1, "map value " + v);
                    }
                }
                assertEquals("conv3", primary.getHeader().getStringValue("GCLAYER"));
                assertTrue(primary.getHeader().containsKey("PMERGER"));
                assertEquals("COARSE", f.getHDU(1).getHeader().getStringValue("EXTNAME"));
                // DeepShadows conv3 after two 2x2 poolings: 40 -> 20 -> 10
                assertEquals(10, ((float[][]) ((ImageHDU) f.getHDU(1)).getKernel()).length);
            }
        }
        assertTrue(Files.size(out.resolve("grid.png")) > 0);
    }

    @Test
    void alertsGoThroughThePipelineAndTheGate() throws Exception {
        Path ztf = TestData.require("alerts/ztf");
        StringWriter err = new StringWriter();
        Path gated = tmp.resolve("explain-ztf");
        assertEquals(0, run(err, "explain", "--model", model.toString(), "--alerts", ztf.toString(), "--out",
                gated.toString(), "--limit", "2"), err.toString());
        assertEquals(3, Files.readAllLines(gated.resolve("explain.csv")).size());
        // most real ZTF templates are kept from the model by the gate; they are listed, not dropped
        assertTrue(Files.readAllLines(gated.resolve("skipped.txt")).stream().anyMatch(l -> l.contains("NOT_APPLICABLE")));
        assertTrue(Files.notExists(gated.resolve("grid.png")), "no labels, no grid");
        Path all = tmp.resolve("explain-ztf-all");
        assertEquals(0, run(err, "explain", "--model", model.toString(), "--alerts", ztf.toString(), "--out",
                all.toString(), "--limit", "12", "--no-gate"), err.toString());
        assertEquals(13, Files.readAllLines(all.resolve("explain.csv")).size());
    }

    @Test
    void badUsageIsRefused() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "explain", "--model", model.toString(), "--out", tmp.resolve("x").toString()));
        StringWriter err2 = new StringWriter();
        assertEquals(2, run(err2, "explain", "--model", model.toString(), "--images", folder.toString(), "--out",
                tmp.resolve("y").toString(), "--layer", "nope"));
        assertTrue(err2.toString().contains("no layer named 'nope'"), err2.toString());
    }
}
