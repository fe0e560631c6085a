package org.deepmerge.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.fits.StampDecoder;
import org.deepmerge.core.fits.StampLimits;
import org.deepmerge.core.gate.NotApplicableReason;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;
import org.deepmerge.core.morphology.Morphology;
import org.deepmerge.core.morphology.MorphologyFlag;
import org.deepmerge.core.morphology.MorphologyResult;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.core.preprocess.Preprocessor;
import org.deepmerge.core.preprocess.RobustStats;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;

/**
 * The morphology of the 87 real ZTF alerts whose template the applicability gate calls empty ({@code EMPTY_STAMP}:
 * central 12" aperture S/N below 5), on the default model's grid (40x40 at 1.2"/px), as {@code score --morphology}
 * measures it. Whether such a template holds a real source near the centre is judged independently of the
 * segmentation: a real source has a pixel at least {@value #PEAK_SIGMA} sigma above the border sky within
 * {@value #NEAR_PX} px (9.6") of the centre, which Gaussian noise reaches with a probability of ~6e-5 (about 200
 * pixels, each above 5 sigma with a probability of 2.9e-7). A template without one holds at most noise peaks, whose
 * statistics describe the noise: it must get a failure flag. Before the significance test 4 such templates (and 2
 * noise segments beside a real peak) came out {@code OK}.
 */
class MorphologySignificanceRealDataTest {
    static final double PEAK_SIGMA = 5;
    static final int NEAR_PX = 8;

    private static ModelContract defaultGrid() {
        return new ModelContract("input", -1, List.of(ChannelMapping.ANY_BAND), 40, 40, 1.2, ResampleMode.ANGULAR,
                Normalisation.survey(0.1f), "logits", OutputKind.LOGITS, List.of("non-merger", "merger"), 1, "test",
                "1", Map.of());
    }

    @Test
    void anEmptyTemplateWithoutARealSourceNearTheCentreGetsAFailureFlag() throws Exception {
        CutoutPipeline pipeline = CutoutPipeline.create(defaultGrid(), null, ChannelMapping.defaults(),
                StampLimits.defaults()).withMorphology(true);
        Preprocessor preprocessor = new Preprocessor(defaultGrid());
        StampDecoder decoder = new StampDecoder(StampLimits.defaults());
        List<Path> files;
        try (Stream<Path> s = Files.list(TestData.require("alerts/ztf"))) {
            files = s.sorted().toList();
        }
        assertEquals(87, files.size());
        Map<MorphologyFlag, Integer> emptyFlags = new EnumMap<>(MorphologyFlag.class);
        List<String> noiseMeasured = new ArrayList<>();
        int empty = 0;
        int withSource = 0;
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            PreparedImage p = pipeline.prepare(bytes);
            if (p.applicability().reason() != NotApplicableReason.EMPTY_STAMP) {
                continue;
            }
            empty++;
            MorphologyResult m = p.morphology().result();
            emptyFlags.merge(m.flag(), 1, Integer::sum);
            Alert alert = pipeline.reader().read(bytes);
            Stamp linear = preprocessor.toTensorKeepingLinear(
                    List.of(decoder.decode(alert.stamp("template").orElseThrow())), new float[40 * 40], 0, 0);
            double peak = peakSignificanceNearCentre(linear);
            System.out.printf("  %s peak %.1f sigma within %d px: %s S/N per pixel %.2f%n", alert.objectId(), peak,
                    NEAR_PX, m.flag(), m.snPerPixel());
            if (peak >= PEAK_SIGMA) {
                withSource++;
            } else if (m.flag().measured()) {
                noiseMeasured.add(alert.objectId() + " (peak " + String.format("%.1f", peak) + " sigma): " + m);
            }
            if (m.flag().measured()) {
                assertTrue(m.snPerPixel() >= Morphology.MIN_SN_PER_PIXEL, alert.objectId() + ": " + m);
            }
        }
        System.out.println("ZTF EMPTY_STAMP templates: " + empty + ", " + withSource + " with a real source near the"
                + " centre; morphology flags " + emptyFlags);
        assertEquals(55, empty);
        assertTrue(noiseMeasured.isEmpty(), "noise measured as a source: " + noiseMeasured);
        // the 6 noise peaks fail the significance test; the 5 measured sources are real, 5-8" from the centre (their
        // segment reaches within the central 6"), each with a peak of 5.7-40 sigma (docs/science.md)
        assertEquals(10, withSource);
        assertEquals(Map.of(MorphologyFlag.NO_SOURCE, 40, MorphologyFlag.TOO_FEW_PIXELS, 4,
                MorphologyFlag.LOW_SIGNAL_TO_NOISE, 6, MorphologyFlag.OK, 5), emptyFlags);
    }

    /** The largest (pixel - border level) / border sigma within {@link #NEAR_PX} px of the grid's centre. */
    static double peakSignificanceNearCentre(Stamp s) {
        RobustStats.Sky sky = RobustStats.borderSky(s.pixels(), 0, s.width(), s.height());
        double cx = (s.width() - 1) / 2.0;
        double cy = (s.height() - 1) / 2.0;
        double peak = Double.NEGATIVE_INFINITY;
        for (int y = 0; y < s.height(); y++) {
            for (int x = 0; x < s.width(); x++) {
                if (Math.hypot(x - cx, y - cy) <= NEAR_PX) {
                    peak = Math.max(peak, (s.pixels()[y * s.width() + x] - sky.level()) / sky.sigma());
                }
            }
        }
        return peak;
    }
}
