package org.deepmerge.core.archive;

import java.util.Objects;
import org.deepmerge.core.DeepMergeException;

/**
 * One alert message read from an input: a file, or one entry of a tar archive. An entry that could not be
 * read (too large, truncated archive, I/O error) is still yielded, with {@link #failure()} set and no bytes,
 * so that callers can list it as rejected instead of losing it.
 *
 * @param location file path, or {@code archive.tar.gz!/entry/name} for an archive entry
 * @param position 0-based index of the entry within its input: the n-th regular file of a directory walk
 *                 (sorted), the n-th regular-file entry of an archive, 0 for a single file
 * @param bytes    the message bytes (one Kafka message value / one alert file); null when {@code failure} is set
 * @param failure  why the entry could not be read ({@code INPUT_TOO_LARGE}, {@code IO_ERROR}); null when readable
 */
public record AlertSourceEntry(String location, long position, byte[] bytes, DeepMergeException failure) {

    public AlertSourceEntry {
        Objects.requireNonNull(location, "location");
        if ((bytes == null) == (failure == null)) {
            throw new IllegalArgumentException("exactly one of bytes and failure must be set for " + location);
        }
    }

    /**
     * @param location file path or {@code archive!/entry}
     * @param position index within its input
     * @param bytes    the message bytes
     * @return a readable entry
     */
    public static AlertSourceEntry of(String location, long position, byte[] bytes) {
        return new AlertSourceEntry(location, position, Objects.requireNonNull(bytes, "bytes"), null);
    }

    /**
     * @param location file path or {@code archive!/entry}
     * @param position index within its input
     * @param failure  why it could not be read
     * @return an unreadable entry
     */
    public static AlertSourceEntry failed(String location, long position, DeepMergeException failure) {
        return new AlertSourceEntry(location, position, null, Objects.requireNonNull(failure, "failure"));
    }

    /** @return true when {@link #bytes()} holds the message */
    public boolean readable() {
        return failure == null;
    }
}
