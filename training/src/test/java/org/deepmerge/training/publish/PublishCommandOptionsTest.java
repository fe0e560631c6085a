package org.deepmerge.training.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deepmerge.core.model.OutputKind;
import org.deepmerge.training.cli.TrainCli;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code publish --output-kind} is the enum, in any case (picocli's own rule, set on the root command). */
class PublishCommandOptionsTest {

    private static PublishCommand parse(String... args) {
        CommandLine cli = TrainCli.commandLine();
        String[] all = new String[args.length + 9];
        System.arraycopy(new String[] {"publish", "--model", "m.onnx", "--name", "n", "--version", "1", "--models-dir",
            "d"}, 0, all, 0, 9);
        System.arraycopy(args, 0, all, 9, args.length);
        cli.parseArgs(all);
        return cli.getSubcommands().get("publish").getCommand();
    }

    @Test
    void publishOutputKind() throws Exception {
        PublishCommand p = parse("--output-kind", "logits");
        assertEquals(OutputKind.LOGITS, p.overrides().outputKind());
        p = parse("--output-kind", "Softmax");
        assertEquals(OutputKind.SOFTMAX, p.overrides().outputKind());
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> parse("--output-kind", "tanh"));
        assertTrue(e.getMessage().contains("SIGMOID") && e.getMessage().contains("tanh"), e.getMessage());
    }
}
