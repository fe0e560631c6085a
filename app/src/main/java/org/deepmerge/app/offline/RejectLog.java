package org.deepmerge.app.offline;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import org.deepmerge.core.DeepMergeException;

/**
 * The list of inputs that could not be scored, as JSON Lines:
 * <pre>{"location":"night.tar.gz!/ztf/ZTF18..avro","position":12,"reason":"MISSING_CUTOUT","message":"..."}</pre>
 * {@code reason} is the {@link DeepMergeException.Reason} name, {@code message} says what and where.
 */
public final class RejectLog implements AutoCloseable {
    private final OutputStream out;
    private final JsonGenerator json;

    /**
     * @param out destination, closed by {@link #close()}
     * @throws IOException when the generator cannot be created
     */
    public RejectLog(OutputStream out) throws IOException {
        this.out = out;
        this.json = JsonLines.generator(out);
    }

    /**
     * @param location file path or {@code archive!/entry}
     * @param position index of the entry within its input
     * @param error    why it was rejected
     * @throws IOException when writing fails
     */
    public void reject(String location, long position, DeepMergeException error) throws IOException {
        json.writeStartObject();
        json.writeStringField("location", location);
        json.writeNumberField("position", position);
        json.writeStringField("reason", error.reason().name());
        json.writeStringField("message", error.getMessage());
        json.writeEndObject();
        json.writeRaw('\n');
    }

    /** @throws IOException when flushing fails */
    public void flush() throws IOException {
        json.flush();
    }

    @Override
    public void close() throws IOException {
        try (out) {
            json.close();
        }
    }
}
