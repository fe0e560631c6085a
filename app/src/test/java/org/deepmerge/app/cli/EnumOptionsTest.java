package org.deepmerge.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deepmerge.core.inference.Device;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;
import org.deepmerge.app.offline.ScoreFormat;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Enum options of {@code deepmerge} take the documented lower-case values and any other case (picocli's own rule). */
class EnumOptionsTest {

    private static ScoreCommand score(String... args) {
        CommandLine cli = DeepMergeCli.commandLine();
        cli.parseArgs(args);
        return (ScoreCommand) cli.getSubcommands().get("score").getCommand();
    }

    @Test
    void scoreTakesTheDocumentedSpellingsInAnyCase() {
        ScoreCommand s = score("score", "--format", "csv", "--device", "cuda", "--resample", "fit", "--output-kind",
                "softmax", "in");
        assertEquals(ScoreFormat.CSV, s.format);
        assertEquals(Device.CUDA, s.device);
        assertEquals(ResampleMode.FIT, s.contract.resample);
        assertEquals(OutputKind.SOFTMAX, s.contract.outputKind);

        s = score("score", "--format", "Avro", "--device", "CPU", "--resample", "Angular", "--output-kind", "LOGITS", "in");
        assertEquals(ScoreFormat.AVRO, s.format);
        assertEquals(Device.CPU, s.device);
        assertEquals(ResampleMode.ANGULAR, s.contract.resample);
        assertEquals(OutputKind.LOGITS, s.contract.outputKind);

        s = score("score", "in");
        assertEquals(ScoreFormat.JSONL, s.format, "the lower-case default converts");
        assertEquals(Device.AUTO, s.device);
    }

    @Test
    void anUnknownValueNamesTheChoices() {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> score("score", "--format", "parquet", "in"));
        assertTrue(e.getMessage().contains("--format") && e.getMessage().contains("JSONL")
                && e.getMessage().contains("parquet"), e.getMessage());
    }
}
