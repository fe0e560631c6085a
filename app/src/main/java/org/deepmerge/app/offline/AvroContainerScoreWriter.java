package org.deepmerge.app.offline;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.deepmerge.avro.v1.MergerScore;

/**
 * Avro Object Container File of {@link MergerScore} records (schema {@code schemas/merger_score.avsc} embedded,
 * deflate-compressed blocks): readable by any Avro tool, e.g. {@code avro-tools tojson}.
 */
public final class AvroContainerScoreWriter implements ScoreWriter {
    private final DataFileWriter<MergerScore> writer;

    /**
     * @param out destination, closed by {@link #close()}
     * @throws IOException when the container header cannot be written
     */
    public AvroContainerScoreWriter(OutputStream out) throws IOException {
        writer = new DataFileWriter<>(new SpecificDatumWriter<>(MergerScore.class));
        writer.setCodec(CodecFactory.deflateCodec(6));
        writer.create(MergerScore.getClassSchema(), out);
    }

    @Override
    public void write(MergerScore score) throws IOException {
        writer.append(score);
    }

    @Override
    public void flush() throws IOException {
        writer.flush();
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
