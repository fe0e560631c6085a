package org.deepmerge.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deepmerge.app.cli.DeepMergeCli;
import org.deepmerge.core.inference.Device;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code deepmerge bench} joins the command through its service entry and takes enum values in any case. */
class BenchEnumOptionsTest {

    @Test
    void benchInferDeviceIsTheEnumToo() {
        CommandLine cli = DeepMergeCli.commandLine();
        cli.parseArgs("bench", "infer", "--device", "Cpu");
        BenchCommand.Infer infer = cli.getSubcommands().get("bench").getSubcommands().get("infer").getCommand();
        assertEquals(Device.CPU, infer.device);
        cli = DeepMergeCli.commandLine();
        cli.parseArgs("bench", "infer");
        assertEquals(Device.AUTO, ((BenchCommand.Infer) cli.getSubcommands().get("bench").getSubcommands().get("infer")
                .getCommand()).device);
    }
}
