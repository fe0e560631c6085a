package org.deepmerge.app.offline;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/** Output formats of {@code deepmerge score}. */
public enum ScoreFormat {
    /** JSON Lines: one JSON object per score (the default). */
    JSONL,
    /** CSV (RFC 4180) with a header row and one {@code p_<class>} column per class. */
    CSV,
    /** Avro Object Container File of {@code org.deepmerge.avro.v1.MergerScore} records. */
    AVRO;

    /**
     * @param out        where to write; closed by the writer's {@code close()}
     * @param classNames the model's class names, in output order (CSV columns)
     * @return a writer of this format, without morphology columns
     * @throws IOException when the header cannot be written
     */
    public ScoreWriter open(OutputStream out, List<String> classNames) throws IOException {
        return open(out, classNames, false);
    }

    /**
     * @param out        where to write; closed by the writer's {@code close()}
     * @param classNames the model's class names, in output order (CSV columns)
     * @param morphology whether the CSV has the {@code morphology_*} columns (JSON Lines and Avro carry the
     *                   {@code morphology} field whenever a record has it)
     * @return a writer of this format
     * @throws IOException when the header cannot be written
     */
    public ScoreWriter open(OutputStream out, List<String> classNames, boolean morphology) throws IOException {
        return switch (this) {
            case JSONL -> new JsonLinesScoreWriter(out);
            case CSV -> new CsvScoreWriter(out, classNames, morphology);
            case AVRO -> new AvroContainerScoreWriter(out);
        };
    }
}
