package org.deepmerge.training.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * A small RFC 4180 reader for label files (header row, comma separated, double-quoted fields may hold commas and
 * doubled quotes, a UTF-8 byte-order mark is ignored; a field may not span lines), and the 0/1 label parser.
 */
public final class LabelsCsv {
    private LabelsCsv() {
    }

    /**
     * The parsed file.
     *
     * @param file   where it came from
     * @param header column names, trimmed
     * @param rows   data rows, each with its 1-based line number in the file
     */
    public record Table(Path file, List<String> header, List<Row> rows) {
        /**
         * @param name column name (exact, after trimming)
         * @return its index, or -1
         */
        public int column(String name) {
            return header.indexOf(name);
        }

        /**
         * @param name column name
         * @return its index
         * @throws DeepMergeException INVALID_CONFIG when absent
         */
        public int requireColumn(String name) throws DeepMergeException {
            int c = column(name);
            if (c < 0) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, file + ": no column '" + name + "' in header "
                        + String.join(",", header));
            }
            return c;
        }
    }

    /**
     * @param line   1-based line number
     * @param fields the fields
     */
    public record Row(int line, List<String> fields) {
        /**
         * @param c column index
         * @return the trimmed field, "" when the row is shorter
         */
        public String get(int c) {
            return c < fields.size() ? fields.get(c).trim() : "";
        }
    }

    /**
     * @param csv the file
     * @return header and rows (blank lines skipped)
     * @throws DeepMergeException IO_ERROR when unreadable or empty, WRONG_SHAPE for an unterminated quote
     */
    public static Table read(Path csv) throws DeepMergeException {
        List<String> lines;
        try {
            lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, csv + ": cannot read labels: " + e.getMessage(), e);
        }
        List<String> header = null;
        List<Row> rows = new ArrayList<>();
        for (int k = 0; k < lines.size(); k++) {
            String line = k == 0 && lines.get(0).startsWith("\uFEFF") ? lines.get(0).substring(1) : lines.get(k);
            if (line.isBlank()) {
                continue;
            }
            List<String> fields = split(line, csv, k + 1);
            if (header == null) {
                header = fields.stream().map(String::trim).toList();
            } else {
                rows.add(new Row(k + 1, fields));
            }
        }
        if (header == null) {
            throw new DeepMergeException(Reason.IO_ERROR, csv + ": empty, expected a header row");
        }
        return new Table(csv, header, rows);
    }

    /**
     * @param v    field
     * @param csv  file, for the message
     * @param line line, for the message
     * @return 1 for {@code 1, 1.0, true}, 0 for {@code 0, 0.0, false} (case-insensitive)
     * @throws DeepMergeException WRONG_SHAPE for anything else
     */
    public static int label(String v, Path csv, int line) throws DeepMergeException {
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "1", "1.0", "true" -> 1;
            case "0", "0.0", "false" -> 0;
            default -> throw new DeepMergeException(Reason.WRONG_SHAPE, csv + ":" + line + ": label '" + v + "' is not 0/1");
        };
    }

    private static List<String> split(String line, Path csv, int lineNo) throws DeepMergeException {
        List<String> fields = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int k = 0; k < line.length(); k++) {
            char ch = line.charAt(k);
            if (quoted) {
                if (ch == '"' && k + 1 < line.length() && line.charAt(k + 1) == '"') {
                    cur.append('"');
                    k++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cur.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                fields.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        if (quoted) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, csv + ":" + lineNo + ": unterminated quoted field");
        }
        fields.add(cur.toString());
        return fields;
    }
}
