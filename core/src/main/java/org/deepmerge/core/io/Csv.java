package org.deepmerge.core.io;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * The project's one CSV codec: Apache Commons CSV with RFC 4180 rules, for every CSV file read or written (labels,
 * training history, offline scores). Written: comma separated, a field is double-quoted (quotes doubled) when it
 * holds a comma, quote or line break (or would otherwise be ambiguous, e.g. empty as a record's only field),
 * records end in {@code \n}. Read: a header row, then records; quoted fields may hold commas, quotes and line
 * breaks; lines may end in {@code \n} or {@code \r\n}; a UTF-8 byte-order mark (spreadsheet exports) is ignored;
 * records whose fields are all blank are skipped.
 */
public final class Csv {
    /** RFC 4180 with {@code \n} record ends. */
    public static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setRecordSeparator('\n').get();
    private static final char BOM = '\uFEFF';

    private Csv() {
    }

    /**
     * A parsed file.
     *
     * @param file   where it came from (for messages)
     * @param header column names, trimmed
     * @param rows   data rows, each with the 1-based line of the file where it starts
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
     * @param line   1-based line of the file where the record starts
     * @param fields the fields, untrimmed
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
     * Reads a CSV file with a header row (UTF-8).
     *
     * @param file the file
     * @return header and rows
     * @throws DeepMergeException IO_ERROR when unreadable or without a header row; WRONG_SHAPE when it is not valid
     *                            CSV (e.g. an unterminated quoted field), naming the file
     */
    public static Table read(Path file) throws DeepMergeException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, file + ": cannot read: " + e.getMessage(), e);
        }
        return parse(text, file);
    }

    /**
     * Parses CSV text with a header row.
     *
     * @param text the whole file's text (a leading byte-order mark is ignored)
     * @param file where it came from, for messages
     * @return header and rows
     * @throws DeepMergeException IO_ERROR without a header row; WRONG_SHAPE when it is not valid CSV
     */
    public static Table parse(String text, Path file) throws DeepMergeException {
        String t = !text.isEmpty() && text.charAt(0) == BOM ? text.substring(1) : text;
        int[] lineStarts = lineStarts(t);
        List<String> header = null;
        List<Row> rows = new ArrayList<>();
        try (CSVParser parser = CSVParser.parse(t, FORMAT)) {
            for (CSVRecord r : parser) {
                List<String> fields = r.toList();
                if (fields.stream().allMatch(String::isBlank)) {
                    continue;
                }
                if (header == null) {
                    header = fields.stream().map(String::trim).toList();
                } else {
                    rows.add(new Row(lineOf(lineStarts, r.getCharacterPosition()), fields));
                }
            }
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, file + ": not valid CSV (RFC 4180): " + e.getMessage(), e);
        }
        if (header == null) {
            throw new DeepMergeException(Reason.IO_ERROR, file + ": empty, expected a header row");
        }
        return new Table(file, header, rows);
    }

    /**
     * @param out where to write (not closed by the printer's {@code flush}; closed by its {@code close})
     * @return a printer in {@link #FORMAT}
     * @throws IOException from the destination
     */
    public static CSVPrinter printer(Appendable out) throws IOException {
        return FORMAT.print(out);
    }

    /**
     * Writes a new file (replacing any) holding the given records, e.g. a header row.
     *
     * @param file    the file
     * @param records records, each a list of values ({@code null} is written as an empty field)
     * @throws IOException when the file cannot be written
     */
    public static void write(Path file, List<? extends Iterable<?>> records) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8); CSVPrinter p = printer(w)) {
            p.printRecords(records);
        }
    }

    /**
     * Appends one record to a file (created if missing), e.g. one line of a history that grows while a job runs.
     *
     * @param file   the file
     * @param values the record's values
     * @throws IOException when the file cannot be written
     */
    public static void append(Path file, Iterable<?> values) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND); CSVPrinter p = printer(w)) {
            p.printRecord(values);
        }
    }

    /** @return offsets at which lines 1, 2, ... start (after {@code \n}, {@code \r\n} or a lone {@code \r}) */
    private static int[] lineStarts(String t) {
        int[] starts = new int[16];
        int n = 0;
        starts[n++] = 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '\n' || c == '\r' && (i + 1 == t.length() || t.charAt(i + 1) != '\n')) {
                if (n == starts.length) {
                    starts = Arrays.copyOf(starts, n * 2);
                }
                starts[n++] = i + 1;
            }
        }
        return Arrays.copyOf(starts, n);
    }

    private static int lineOf(int[] lineStarts, long position) {
        int i = Arrays.binarySearch(lineStarts, (int) position);
        return (i >= 0 ? i : -i - 2) + 1;
    }
}
