package org.deepmerge.training.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deepmerge.core.testing.TestData;

/** A small labelled folder of real GZ1 rows: {@code labels.csv} with the first rows of each class, images/ linked. */
public final class Gz1Subset {
    private Gz1Subset() {
    }

    /**
     * @param folder  folder to create (labels.csv and a link images/ to the real images; nothing is copied)
     * @param mergers merger rows to keep
     * @param others  non-merger rows to keep
     * @return the number of rows written
     * @throws Exception when the real data is missing or the folder cannot be written
     */
    public static int make(Path folder, int mergers, int others) throws Exception {
        Path gz1 = TestData.require("galaxies/gz1");
        Files.createDirectories(folder);
        Files.createSymbolicLink(folder.resolve("images"), gz1.resolve("images").toAbsolutePath());
        List<String> lines = Files.readAllLines(gz1.resolve("labels.csv"));
        List<String> out = new ArrayList<>(List.of(lines.get(0)));
        int merger = 0;
        int other = 0;
        for (String l : lines.subList(1, lines.size())) {
            boolean m = l.endsWith(",1");
            if (m && merger < mergers) {
                merger++;
                out.add(l);
            } else if (!m && other < others) {
                other++;
                out.add(l);
            }
        }
        Files.write(folder.resolve("labels.csv"), out);
        return out.size() - 1;
    }
}
