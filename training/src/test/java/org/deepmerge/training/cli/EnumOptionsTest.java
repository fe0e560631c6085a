package org.deepmerge.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deepmerge.core.synthetic.SurveyPreset;
import org.deepmerge.training.data.ImageFolderReader;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Enum options of the training command take their documented values in any case (picocli's own rule). */
class EnumOptionsTest {

    private static <T> T parse(String command, String... args) {
        CommandLine cli = TrainCli.commandLine();
        String[] all = new String[args.length + 1];
        all[0] = command;
        System.arraycopy(args, 0, all, 1, args.length);
        cli.parseArgs(all);
        return cli.getSubcommands().get(command).getCommand();
    }

    @Test
    void simulateStretchPopulationAndTrainColour() {
        SimulateCommand s = parse("simulate", "--out", "x", "--stretch", "none", "--population", "hlsp_hst");
        assertEquals(SimulateCommand.Stretch.NONE, s.stretch);
        assertEquals(SurveyPreset.HLSP_HST, s.population);
        s = parse("simulate", "--out", "x", "--stretch", "ASINH", "--population", "Ztf");
        assertEquals(SimulateCommand.Stretch.ASINH, s.stretch);
        assertEquals(SurveyPreset.ZTF, s.population);
        assertEquals(SimulateCommand.Stretch.ASINH, ((SimulateCommand) parse("simulate", "--out", "x")).stretch,
                "the lower-case default converts");

        TrainCommand t = parse("train", "--out", "x", "--colour", "grey");
        assertEquals(ImageFolderReader.Colour.GREY, t.data.colour);
        t = parse("train", "--out", "x");
        assertEquals(ImageFolderReader.Colour.GRI, t.data.colour);
    }
}
