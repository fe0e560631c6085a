package org.deepmerge.app.offline;

import java.io.Closeable;
import java.io.IOException;
import org.deepmerge.avro.v1.MergerScore;

/** Writes merger scores to a file or stream, one record per scored alert, in input order. */
public interface ScoreWriter extends Closeable {

    /**
     * @param score one score
     * @throws IOException when writing fails
     */
    void write(MergerScore score) throws IOException;

    /**
     * Flushes buffered records (the stream stays open).
     *
     * @throws IOException when flushing fails
     */
    void flush() throws IOException;
}
