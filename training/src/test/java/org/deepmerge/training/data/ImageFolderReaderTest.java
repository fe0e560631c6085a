package org.deepmerge.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import nom.tam.fits.Fits;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.training.data.ImageFolderReader.Colour;
import org.deepmerge.training.data.ImageFolderReader.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderReaderTest {
    @TempDir
    Path tmp;

    @Test
    void realGz1ImagesLoadAs3x75x75WithCsvLabels() throws Exception {
        Path gz1 = TestData.require("galaxies/gz1");
        ImageDataset d = ImageFolderReader.read(gz1, new Options("objid", "merger", Colour.GRI, 75, 75, 40));
        assertEquals(40, d.size());
        assertEquals(List.of("g", "r", "i"), d.channelNames());
        assertEquals(40 * 3 * 75 * 75, d.pixels().length);
        List<String> lines = Files.readAllLines(gz1.resolve("labels.csv"));
        for (int i = 0; i < 40; i++) {
            String[] row = lines.get(i + 1).split(",");
            assertEquals(row[0], d.id(i));
            assertEquals(Integer.parseInt(row[3]), d.label(i), "label of " + row[0]);
        }
        // the centre of a centred galaxy is brighter than the corner, in every band
        for (int c = 0; c < 3; c++) {
            int base = c * 75 * 75;
            assertTrue(d.pixels()[base + 37 * 75 + 37] > d.pixels()[base], "band " + c);
        }
        // the real pictures are 423x423 RGB; grey is the mean of the three bands
        BufferedImage img = ImageIO.read(gz1.resolve("images/" + d.id(0) + ".jpeg").toFile());
        assertEquals(423, img.getWidth());
        ImageDataset grey = ImageFolderReader.read(gz1, new Options("objid", "merger", Colour.GREY, 75, 75, 2));
        assertEquals(List.of("grey"), grey.channelNames());
        float mean = (d.pixels()[37 * 75 + 37] + d.pixels()[75 * 75 + 37 * 75 + 37] + d.pixels()[2 * 75 * 75 + 37 * 75 + 37]) / 3;
        assertEquals(mean, grey.pixels()[37 * 75 + 37], 1e-5);
    }

    @Test
    void colourChannelsAreGriFromBlueGreenRedAndBoxAveraged() throws Exception {
        Files.createDirectories(tmp.resolve("images"));
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                img.setRGB(x, y, x < 2 ? 0xFF0000 : 0x0000FF);
            }
        }
        ImageIO.write(img, "png", tmp.resolve("images/a.png").toFile());
        try (Fits f = new Fits()) {
            f.addHDU(Fits.makeHDU(new short[][] {{1, 2}, {3, 4}}));
            f.write(tmp.resolve("images/b.fits").toFile());
        }
        Files.writeString(tmp.resolve("labels.csv"), "name,\"is, merger\"\na,1\n");
        ImageDataset d = ImageFolderReader.read(tmp, new Options("name", "is, merger", Colour.GRI, 2, 2, 0));
        float[] p = d.pixels();
        assertEquals(0f, p[0], "g (blue) left half");
        assertEquals(1f, p[1], "g (blue) right half");
        assertEquals(0f, p[4], "r (green)");
        assertEquals(1f, p[8], "i (red) left half");
        assertEquals(0f, p[9], "i (red) right half");
        assertEquals(1, d.label(0));

        Files.writeString(tmp.resolve("labels.csv"), "name,m\nb,0\n");
        ImageDataset fits = ImageFolderReader.read(tmp, new Options("name", "m", Colour.GRI, 1, 1, 0));
        assertEquals(1, fits.channels());
        assertEquals(2.5f, fits.pixels()[0], 1e-6, "box mean of 1,2,3,4");
    }

    @Test
    void errorsNameTheColumnTheLineAndTheImage() throws Exception {
        Files.createDirectories(tmp.resolve("images"));
        Files.writeString(tmp.resolve("labels.csv"), "objid,merger\nx1,1\n");
        DeepMergeException noCol = assertThrows(DeepMergeException.class,
                () -> ImageFolderReader.read(tmp, new Options("id", "merger", Colour.GRI, 8, 8, 0)));
        assertEquals(Reason.INVALID_CONFIG, noCol.reason());
        assertTrue(noCol.getMessage().contains("'id'"));
        DeepMergeException noImg = assertThrows(DeepMergeException.class,
                () -> ImageFolderReader.read(tmp, Options.defaults()));
        assertEquals(Reason.IO_ERROR, noImg.reason());
        assertTrue(noImg.getMessage().contains("x1"));
        Files.writeString(tmp.resolve("labels.csv"), "objid,merger\nx1,maybe\n");
        DeepMergeException badLabel = assertThrows(DeepMergeException.class,
                () -> ImageFolderReader.read(tmp, Options.defaults()));
        assertTrue(badLabel.getMessage().contains("labels.csv:2"));
    }

    @Test
    void spreadsheetLabelsWithBomCrlfAndAQuotedCommaAndNewlineRead() throws Exception {
        Files.createDirectories(tmp.resolve("images"));
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        ImageIO.write(img, "png", tmp.resolve("images/a.png").toFile());
        ImageIO.write(img, "png", tmp.resolve("images/b.png").toFile());
        String csv = "\uFEFFobjid,note,merger\r\n"
                + "a,\"tidal tail, east\r\nsee DR7\",1\r\n"
                + "b,plain,0\r\n";
        Files.write(tmp.resolve("labels.csv"), csv.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        ImageDataset d = ImageFolderReader.read(tmp, new Options("objid", "merger", Colour.GREY, 2, 2, 0));
        assertEquals(2, d.size());
        assertEquals("a", d.id(0), "the byte-order mark is not part of the first column's name");
        assertEquals(1, d.label(0));
        assertEquals("b", d.id(1));
        assertEquals(0, d.label(1));

        Files.write(tmp.resolve("labels.csv"), (csv + "b,\"x\ny\",maybe\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        DeepMergeException bad = assertThrows(DeepMergeException.class,
                () -> ImageFolderReader.read(tmp, new Options("objid", "merger", Colour.GREY, 2, 2, 0)));
        assertTrue(bad.getMessage().contains("labels.csv:5"), "the line where the record starts: " + bad.getMessage());
    }
}
