package org.deepmerge.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTest {
    @TempDir
    Path tmp;

    @Test
    void spreadsheetExportWithBomCrlfAndAQuotedCommaAndNewlineReads() throws Exception {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        String text = "objid,merger,comment\r\n"
                + "587722,1,\"tidal tail, east\r\nsecond line\"\r\n"
                + "\r\n"
                + "587723,0,\"says \"\"no\"\"\"\r\n"
                + "587724, 1 ,plain";
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(bom);
        b.write(text.getBytes(StandardCharsets.UTF_8));
        Path f = Files.write(tmp.resolve("labels.csv"), b.toByteArray());

        Csv.Table t = Csv.read(f);
        assertEquals(List.of("objid", "merger", "comment"), t.header(), "no byte-order mark in the first name");
        assertEquals(0, t.requireColumn("objid"));
        assertEquals(3, t.rows().size(), "the blank line is skipped");
        Csv.Row first = t.rows().get(0);
        assertEquals("tidal tail, east\r\nsecond line", first.get(2));
        assertEquals(2, first.line());
        assertEquals("says \"no\"", t.rows().get(1).get(2));
        assertEquals(5, t.rows().get(1).line(), "lines counted through the quoted line break and the blank line");
        assertEquals("1", t.rows().get(2).get(1), "fields are trimmed by get");
        assertEquals(" 1 ", t.rows().get(2).fields().get(1));
        assertEquals(6, t.rows().get(2).line(), "last record without a line end");
    }

    @Test
    void missingColumnAndBadFilesNameTheFile() throws Exception {
        Path f = Files.writeString(tmp.resolve("a.csv"), "id,label\nx,1\n");
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> Csv.read(f).requireColumn("merger"));
        assertEquals(Reason.INVALID_CONFIG, e.reason());
        assertTrue(e.getMessage().contains("a.csv") && e.getMessage().contains("id,label"), e.getMessage());

        Path open = Files.writeString(tmp.resolve("open.csv"), "id,label\n\"x,1\n");
        e = assertThrows(DeepMergeException.class, () -> Csv.read(open));
        assertEquals(Reason.WRONG_SHAPE, e.reason());
        assertTrue(e.getMessage().contains("open.csv"), e.getMessage());

        Path empty = Files.writeString(tmp.resolve("empty.csv"), "\n\n");
        assertEquals(Reason.IO_ERROR, assertThrows(DeepMergeException.class, () -> Csv.read(empty)).reason());
        assertEquals(Reason.IO_ERROR, assertThrows(DeepMergeException.class,
                () -> Csv.read(tmp.resolve("missing.csv"))).reason());
    }

    @Test
    void writtenRecordsReadBackFieldForField() throws Exception {
        List<String> header = List.of("id", "note", "value");
        List<List<String>> rows = List.of(
                Arrays.asList("a", "comma, inside", "1.5"),
                Arrays.asList("b", "quote \" and\nnewline", "-2"),
                Arrays.asList("c", null, " padded "),
                Arrays.asList("", "#not a comment", ""));
        Path f = tmp.resolve("out.csv");
        List<List<String>> records = new ArrayList<>();
        records.add(header);
        records.addAll(rows.subList(0, 2));
        Csv.write(f, records);
        Csv.append(f, rows.get(2));
        Csv.append(f, rows.get(3));
        String text = Files.readString(f);
        assertTrue(text.startsWith("id,note,value\na,\"comma, inside\",1.5\n"), text);
        assertTrue(!text.contains("\r"), "records end in \\n");

        Csv.Table t = Csv.read(f);
        assertEquals(header, t.header());
        assertEquals(4, t.rows().size());
        for (int i = 0; i < rows.size(); i++) {
            List<String> want = rows.get(i).stream().map(v -> v == null ? "" : v).toList();
            assertEquals(want, t.rows().get(i).fields(), "row " + i);
        }
    }
}
