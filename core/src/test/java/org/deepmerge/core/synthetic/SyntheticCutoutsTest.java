package org.deepmerge.core.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.GZIPInputStream;
import nom.tam.fits.Fits;
import nom.tam.fits.ImageHDU;
import org.apache.avro.generic.GenericData;
import org.deepmerge.avro.v1.Cutout;
import org.deepmerge.avro.v1.CutoutBand;
import org.deepmerge.core.DeepMergeException;
import org.junit.jupiter.api.Test;

class SyntheticCutoutsTest {

    @Test
    void cutoutCarriesOneFitsStampPerBand() throws Exception {
        SyntheticGalaxyGenerator gen = new SyntheticGalaxyGenerator(3, SyntheticGalaxyGenerator.Config.hlsp());
        Observation obs = SurveyPreset.HLSP_HST.observation(false);
        GalaxySpec spec = gen.sample(true);
        Cutout c = SyntheticCutouts.cutout("sim-1", "obj-1", 53.1, -27.8, 60500.0, spec, obs, true);
        assertTrue(GenericData.get().validate(Cutout.getClassSchema(), c), "valid against cutout.avsc");
        assertEquals("sim-1", c.getSourceId());
        assertEquals("obj-1", c.getObjectId());
        assertEquals("SIM", c.getSurvey());
        assertEquals(53.1, c.getRa());
        assertEquals(-27.8, c.getDec());
        assertEquals(60500.0, c.getEpochMjd());
        assertEquals(List.of("F814W", "F160W"), c.getBands().stream().map(CutoutBand::getBand).toList());
        float[] rendered = gen.render(spec, obs);
        for (int b = 0; b < 2; b++) {
            CutoutBand band = c.getBands().get(b);
            assertEquals("science", band.getKind());
            assertEquals(0.1875, band.getPixelScaleArcsec());
            ByteBuffer buf = band.getStampData().duplicate();
            byte[] bytes = new byte[buf.remaining()];
            buf.get(bytes);
            try (Fits fits = new Fits(new GZIPInputStream(new ByteArrayInputStream(bytes)))) {
                ImageHDU hdu = (ImageHDU) fits.getHDU(0);
                assertEquals(obs.bands().get(b), hdu.getHeader().getStringValue("FILTER"));
                float[][] data = (float[][]) hdu.getKernel();
                float[] row = new float[75];
                System.arraycopy(rendered, (b * 75 + 37) * 75, row, 0, 75);
                assertArrayEquals(row, data[37]);
            }
        }
    }

    @Test
    void sampleSetIsReproducibleAndLabelled() throws Exception {
        Observation obs = SurveyPreset.ZTF.observation(true);
        List<SyntheticCutouts.Labelled> a = SyntheticCutouts.sampleSet(
                new SyntheticGalaxyGenerator(8, SurveyPreset.ZTF.generatorConfig()), obs, 10, 0.3, 5, true);
        List<SyntheticCutouts.Labelled> b = SyntheticCutouts.sampleSet(
                new SyntheticGalaxyGenerator(8, SurveyPreset.ZTF.generatorConfig()), obs, 10, 0.3, 5, true);
        assertEquals(10, a.size());
        assertEquals(3, a.stream().filter(l -> l.spec().merger()).count(), "30% mergers");
        assertEquals(10, a.stream().map(l -> l.cutout().getSourceId()).distinct().count(), "unique source ids");
        assertEquals("sim-000000", a.get(0).cutout().getSourceId());
        for (int i = 0; i < 10; i++) {
            assertEquals(a.get(i).cutout(), b.get(i).cutout(), "same seed, same record " + i);
            double dec = a.get(i).cutout().getDec();
            assertTrue(dec >= -90 && dec <= 90);
        }
        assertThrows(DeepMergeException.class, () -> SyntheticCutouts.sampleSet(
                new SyntheticGalaxyGenerator(8, SurveyPreset.ZTF.generatorConfig()), obs, 1, 1.5, 5, true));
    }

    @Test
    void badInputIsRejected() {
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> SyntheticCutouts.cutout(" ", null, 0, 0,
                null, new float[75 * 75], List.of("r"), 75, 1, false));
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, e.reason());
        e = assertThrows(DeepMergeException.class, () -> SyntheticCutouts.cutout("x", null, 0, 0, null,
                new float[10], List.of("r"), 75, 1, false));
        assertEquals(DeepMergeException.Reason.WRONG_SHAPE, e.reason());
    }
}
