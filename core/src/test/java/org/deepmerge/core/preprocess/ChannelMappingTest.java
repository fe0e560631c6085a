package org.deepmerge.core.preprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertFormat;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;
import org.junit.jupiter.api.Test;

class ChannelMappingTest {
    static final byte[] BYTES = {1};

    static ModelContract model(String... bands) {
        return new ModelContract("x", -1, List.of(bands), 75, 75, 0.1875, ResampleMode.ANGULAR, Normalisation.none(),
                "y", OutputKind.SIGMOID, List.of("non-merger", "merger"), 1, "m", "1", Map.of());
    }

    static Alert ztf(byte[] template) {
        return new Alert(AlertFormat.ZTF_AVRO_CONTAINER, "ZTF", "123", "ZTF18aaaaaaa", 1, 2, 3, List.of(
                new CutoutStamp("science", "r", 1.012, BYTES), new CutoutStamp("template", "r", 1.012, template),
                new CutoutStamp("difference", "r", 1.012, BYTES)), null);
    }

    @Test
    void parsesSpecsOnTopOfTheDefaults() throws Exception {
        ChannelMapping d = ChannelMapping.defaults();
        assertEquals("template", d.kindFor("ZTF"));
        assertEquals("template", d.kindFor("lsst"));
        assertEquals("science", d.kindFor("HSC"));
        assertTrue(d.replicate());
        assertEquals(d, ChannelMapping.parse(""));
        ChannelMapping m = ChannelMapping.parse("ZTF=template,RUBIN=science");
        assertEquals("template", m.kindFor("ZTF"));
        assertEquals("science", m.kindFor("LSST"));
        ChannelMapping k = ChannelMapping.parse("ZTF=difference, kind=science, replicate=false");
        assertEquals("difference", k.kindFor("ZTF"));
        assertEquals("science", k.kindFor("LSST"));
        assertFalse(k.replicate());
        for (String bad : List.of("ZTF", "ZTF=reference", "replicate=maybe", "=science")) {
            DeepMergeException e = assertThrows(DeepMergeException.class, () -> ChannelMapping.parse(bad));
            assertEquals(Reason.INVALID_CONFIG, e.reason());
        }
    }

    @Test
    void ztfTemplateFillsEveryChannelAndFlagsIncomplete() throws Exception {
        Alert a = ztf(new byte[] {2});
        ChannelMapping.Selection s = ChannelMapping.defaults().select(a, model("g", "r"));
        assertEquals(2, s.sources().size());
        assertSame(a.stamps().get(1), s.sources().get(0).stamp());
        assertFalse(s.sources().get(0).bandMatch());
        assertTrue(s.sources().get(1).bandMatch());
        assertTrue(s.incomplete());
        assertFalse(ChannelMapping.defaults().select(a, model("r")).incomplete());
        assertEquals("science", ChannelMapping.parse("ZTF=science").select(a, model("r")).stamps().get(0).kind());
    }

    @Test
    void missingCutoutIsNamed() throws Exception {
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> ChannelMapping.defaults().select(ztf(null), model("r")));
        assertEquals(Reason.MISSING_CUTOUT, e.reason());
        assertTrue(e.getMessage().startsWith("cutoutTemplate is null"), e.getMessage());
        DeepMergeException noReplicate = assertThrows(DeepMergeException.class,
                () -> ChannelMapping.parse("replicate=false").select(ztf(BYTES), model("g", "r")));
        assertEquals(Reason.MISSING_CUTOUT, noReplicate.reason());
        assertTrue(noReplicate.getMessage().contains("band g"), noReplicate.getMessage());
    }

    @Test
    void cutoutRecordsMatchChannelsByBand() throws Exception {
        Alert a = new Alert(AlertFormat.DEEPMERGE_CUTOUT, "HST", "s1", "o1", 1, 2, 3, List.of(
                new CutoutStamp("science", "F160W", 0.06, new byte[] {1}),
                new CutoutStamp("science", "F814W", 0.05, new byte[] {2})), null);
        ChannelMapping.Selection s = ChannelMapping.defaults().select(a, model("F814W", "f160w"));
        assertFalse(s.incomplete());
        assertEquals("F814W", s.stamps().get(0).band());
        assertEquals("F160W", s.stamps().get(1).band());
    }
}
