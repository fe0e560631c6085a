package org.deepmerge.streams.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md must be exactly what ConfigDocs generates from the config class. */
class ConfigDocsTest {

    @Test
    void committedConfigurationReferenceIsCurrent() throws Exception {
        // surefire runs in the module directory (streams/); the docs live at the project root
        Path file = Path.of("").toAbsolutePath().getParent().resolve("docs/configuration.md");
        String generated = ConfigDocs.markdown();
        if (Boolean.getBoolean("deepmerge.docs.write")) {
            Files.writeString(file, generated, StandardCharsets.UTF_8);
        }
        assertTrue(Files.exists(file), "missing " + file + "; regenerate with -Ddeepmerge.docs.write=true");
        assertEquals(generated, Files.readString(file, StandardCharsets.UTF_8),
                file + " is stale; regenerate with -Dtest=ConfigDocsTest -Ddeepmerge.docs.write=true");
        for (String key : DeepMergeStreamsConfig.CONFIG.names()) {
            assertTrue(generated.contains("`" + key + "`"), key);
        }
    }
}
