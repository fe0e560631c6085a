package org.deepmerge.streams.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.deepmerge.core.testing.TestData;

/** The real alert files of {@code ../shared/data}, in name order. */
public final class Alerts {
    private Alerts() {
    }

    /** @return the 87 ZTF alert files */
    public static List<Path> ztf() {
        return list("alerts/ztf");
    }

    /** @return the 288 Rubin alert files */
    public static List<Path> rubin() {
        return list("alerts/rubin-v9_0");
    }

    private static List<Path> list(String rel) {
        Path dir = TestData.require(rel);
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @param p a file @return its bytes */
    public static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
