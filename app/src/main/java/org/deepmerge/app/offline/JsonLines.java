package org.deepmerge.app.offline;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;

/** The JSON Lines generator shared by the score and reject writers. */
final class JsonLines {
    private JsonLines() {
    }

    /**
     * @param out destination; the generator does not close it
     * @return a generator that writes one JSON value after another with no separator (the caller ends each line)
     * @throws IOException when the generator cannot be created
     */
    static JsonGenerator generator(OutputStream out) throws IOException {
        JsonGenerator json = new ObjectMapper().getFactory().createGenerator(out);
        json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
        json.setRootValueSeparator(null);
        return json;
    }
}
