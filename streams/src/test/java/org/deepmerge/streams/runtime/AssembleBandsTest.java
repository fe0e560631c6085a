package org.deepmerge.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 19: under {@code assemble}, model bands no survey's alerts can ever complete are refused at start. */
class AssembleBandsTest {
    @TempDir
    Path tmp;

    @Test
    void ztfAndRubinBandsAreAcceptedAndSurveysThatCannotCompleteAreNamed() throws Exception {
        assertTrue(AssembleBands.check(List.of("g", "r", "i")).isEmpty(), "ZTF and Rubin both carry g, r, i");
        List<String> warnings = AssembleBands.check(List.of("g", "r", "z"));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("ZTF") && warnings.get(0).contains("z"), warnings.get(0));
    }

    @Test
    void bandsNoAlertSurveyCarriesAreRefusedInOneLine() {
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> AssembleBands.check(List.of("g", "F814W")));
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, e.reason());
        assertTrue(e.getMessage().contains("F814W") && e.getMessage().contains("assemble"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        DeepMergeException any = assertThrows(DeepMergeException.class, () -> AssembleBands.check(List.of("any")));
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, any.reason());
    }

    @Test
    void openRefusesAnAssembleModelNoSurveyCanComplete() throws Exception {
        Path model = TestModels.meanSigmoid(tmp.resolve("hst.onnx"), TestModels.SCALE, "1", List.of("F606W", "F814W"));
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> ScoringRuntime.open(
                DeepMergeStreamsConfig.load(null, Map.of(), Map.of(DeepMergeStreamsConfig.MODEL_PATH, model.toString(),
                        DeepMergeStreamsConfig.CHANNEL_POLICY, "assemble")), ContractOverrides.none()));
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, e.reason());
        try (ScoringRuntime r = ScoringRuntime.open(DeepMergeStreamsConfig.load(null, Map.of(),
                Map.of(DeepMergeStreamsConfig.MODEL_PATH, model.toString())), ContractOverrides.none())) {
            assertEquals(List.of("F606W", "F814W"), r.alertPreparer().channels(), "replicate accepts it");
        }
    }
}
