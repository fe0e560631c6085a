package org.deepmerge.core.morphology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertReader;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.fits.StampDecoder;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;

/**
 * Sanity on real data in ../shared/data, asserting only robust properties: the 87 ZTF template stamps (decoded by the
 * production {@link AlertReader} and {@link StampDecoder}) and Galaxy Zoo 1 SDSS images. Whether a template has
 * something at its centre is judged independently of the segmentation, by the significance z of the central 3x3 mean
 * over the border noise: z &gt; 10 must be measured; z &lt; 2 (a hostless transient's empty template) must not yield a
 * source at the centre.
 */
class MorphologyRealDataTest {

    static void assertSane(MorphologyResult m, String what) {
        if (!m.flag().measured()) {
            MorphologyBehaviourTest.assertAllNaN(m);
            return;
        }
        assertTrue(!(m.snPerPixel() < Morphology.MIN_SN_PER_PIXEL), "significant: " + what + ": " + m);
        assertTrue(m.concentration() > 0 && m.concentration() < 10, what + ": " + m);
        assertTrue(Double.isFinite(m.asymmetry()) && m.asymmetry() > -1 && m.asymmetry() < 2, what + ": " + m);
        assertTrue(m.petrosianRadiusArcsec() > 0 && m.halfLightRadiusArcsec() > 0, what + ": " + m);
        assertTrue(m.r20Arcsec() < m.r80Arcsec(), what + ": " + m);
        if (m.flag() != MorphologyFlag.GINI_SEGMAP_DEGENERATE) {
            assertTrue(m.gini() >= 0 && m.gini() <= 1, what + ": " + m);
            assertTrue(m.m20() < 0, what + ": " + m);
        }
    }

    @Test
    void ztfTemplates() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(TestData.require("alerts/ztf"))) {
            files = s.filter(p -> p.toString().endsWith(".avro")).sorted().toList();
        }
        assertEquals(87, files.size());
        AlertReader reader = new AlertReader(null);
        StampDecoder decoder = StampDecoder.withDefaults();
        Map<MorphologyFlag, Integer> flags = new EnumMap<>(MorphologyFlag.class);
        int emptyFlagged = 0;
        int bright = 0;
        int faint = 0;
        int flatBorder = 0;
        for (Path f : files) {
            Alert alert = reader.read(Files.readAllBytes(f));
            CutoutStamp template = alert.stamp("template").orElseThrow();
            Stamp stamp = decoder.decode(template);
            MorphologyResult m = Morphology.measure(stamp);
            assertSane(m, f.getFileName().toString());
            flags.merge(m.flag(), 1, Integer::sum);
            // an independent look at the centre: the significance of the central 3x3 mean over the border noise
            double z = centralSignificance(stamp);
            System.out.printf("  %s %dx%d z=%.1f %s C=%.2f A=%.3f G=%.3f M20=%.2f r_half=%.2f\"%n", f.getFileName(),
                    stamp.width(), stamp.height(), z, m.flag(), m.concentration(), m.asymmetry(), m.gini(), m.m20(),
                    m.halfLightRadiusArcsec());
            // the model's view: the sky-subtracted template resampled onto the 40x40 grid of 1.2"/px (the SURVEY
            // normalisation's steps before its asinh stretch)
            MorphologyResult grid = Morphology.measure(modelGrid(stamp), 40, 40, 1.2);
            assertSane(grid, f.getFileName() + " on the model grid");
            if (z > 10) {
                bright++;
                assertTrue(m.flag().measured(), "a bright centre (z = " + z + ") is measured: " + f + " " + m);
                assertTrue(grid.flag().measured(), "and on the model grid: " + f + " " + grid);
            } else if (z < 2) {
                // nothing at the centre (a hostless transient): no source, or one found off the centre within the
                // central area
                faint++;
                emptyFlagged += m.flag().measured() ? 0 : 1;
                double off = Math.hypot(m.centreX() - (stamp.width() - 1) / 2.0, m.centreY() - (stamp.height() - 1) / 2.0);
                assertTrue(!m.flag().measured() || off > 2, "an empty centre (z = " + z + "): " + f + " " + m);
            }
            if (Double.isNaN(z)) {
                flatBorder++;
            }
        }
        System.out.println("ZTF templates: " + flags + "; bright centres " + bright + ", empty centres " + faint
                + " (" + emptyFlagged + " of them flagged without values), flat borders " + flatBorder);
        // many of these alerts (the ZTF18acsb* series) are hostless: their templates are sky at the centre
        assertTrue(bright >= 20 && faint >= 20, "both kinds are present: " + bright + " bright, " + faint + " empty");
        assertTrue(emptyFlagged >= 0.8 * faint, emptyFlagged + " of " + faint + " empty centres flagged");
    }

    /** The stamp minus its border sky, resampled (exact area overlap) onto 40x40 px of 1.2 arcsec about its centre. */
    static float[] modelGrid(Stamp s) {
        float sky = (float) org.deepmerge.core.preprocess.RobustStats.borderSky(s.pixels(), 0, s.width(), s.height())
                .level();
        float[] sub = s.pixels().clone();
        for (int i = 0; i < sub.length; i++) {
            sub[i] -= sky;
        }
        float[] grid = new float[40 * 40];
        org.deepmerge.core.preprocess.Preprocessor.resample(sub, 0, s.width(), s.height(), s.pixelScaleArcsec(), grid, 0,
                40, 40, 1.2, org.deepmerge.core.model.ResampleMode.ANGULAR);
        return grid;
    }

    /** (mean of the central 3x3 - border level) / (border sigma / 3); NaN for a flat border (e.g. a CCD edge). */
    static double centralSignificance(Stamp s) {
        org.deepmerge.core.preprocess.RobustStats.Sky sky =
                org.deepmerge.core.preprocess.RobustStats.borderSky(s.pixels(), 0, s.width(), s.height());
        double sum = 0;
        for (int y = s.height() / 2 - 1; y <= s.height() / 2 + 1; y++) {
            for (int x = s.width() / 2 - 1; x <= s.width() / 2 + 1; x++) {
                sum += s.pixels()[y * s.width() + x] - sky.level();
            }
        }
        return sky.sigma() > 0 ? sum / 9 / (sky.sigma() / 3) : Double.NaN;
    }

    @Test
    void galaxyZooImages() throws Exception {
        Path dir = TestData.require("galaxies/gz1");
        List<String> lines = Files.readAllLines(dir.resolve("labels.csv"));
        List<Double> cElliptical = new ArrayList<>();
        List<Double> cSpiral = new ArrayList<>();
        List<Double> gElliptical = new ArrayList<>();
        List<Double> gSpiral = new ArrayList<>();
        int perClass = 25;
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            int cls = Integer.parseInt(f[1]);
            boolean elliptical = cls == 0;
            boolean spiral = cls == 1 || cls == 2;
            if (!(elliptical && cElliptical.size() < perClass) && !(spiral && cSpiral.size() < perClass)) {
                continue;
            }
            BufferedImage img = ImageIO.read(dir.resolve("images").resolve(f[0] + ".jpeg").toFile());
            Stamp grey = binnedGrey(img, 3);
            MorphologyResult m = Morphology.measure(grey);
            assertSane(m, f[0]);
            assertTrue(m.flag().measured(), f[0] + " " + f[2] + ": " + m);
            (elliptical ? cElliptical : cSpiral).add(m.concentration());
            (elliptical ? gElliptical : gSpiral).add(m.gini());
        }
        double ce = median(cElliptical);
        double cs = median(cSpiral);
        double ge = median(gElliptical);
        double gs = median(gSpiral);
        System.out.printf("GZ1 (grey JPEG, 3x3 binned): median C elliptical %.2f spiral %.2f; G %.3f %.3f%n", ce, cs,
                ge, gs);
        // ellipticals are more concentrated than spirals (Conselice 2003; Lotz et al. 2004), even through the JPEGs'
        // non-linear stretch (which compresses G more: its medians differ by only ~0.01 here, so G is not asserted)
        assertTrue(ce > cs + 0.1, "C elliptical " + ce + " spiral " + cs);
    }

    /** The mean of R, G, B (0-255) binned n x n, as a Stamp at a nominal 1 arcsec/px. */
    static Stamp binnedGrey(BufferedImage img, int n) {
        int w = img.getWidth() / n;
        int h = img.getHeight() / n;
        float[] px = new float[w * h];
        for (int y = 0; y < h * n; y++) {
            for (int x = 0; x < w * n; x++) {
                int rgb = img.getRGB(x, y);
                float v = (((rgb >> 16) & 255) + ((rgb >> 8) & 255) + (rgb & 255)) / 3f;
                px[(y / n) * w + x / n] += v / (n * n);
            }
        }
        return new Stamp(w, h, px, 1.0, 0);
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(Double::compare);
        return s.get(s.size() / 2);
    }
}
