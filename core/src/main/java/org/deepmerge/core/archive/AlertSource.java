package org.deepmerge.core.archive;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * Streams alert messages out of files, directories and tar archives, one {@link AlertSourceEntry} at a time.
 *
 * <ul>
 *   <li>a regular file is one alert message (e.g. a ZTF {@code .avro} Object Container File);</li>
 *   <li>a directory is walked recursively in name order (sorted per directory), skipping hidden files and
 *       directories (name starting with {@code .}); archives found inside are expanded;</li>
 *   <li>a file named {@code *.tar.gz}, {@code *.tgz} or {@code *.tar} is a tar archive whose regular-file
 *       entries are alert messages (the ZTF public nightly archive {@code ztf_public_YYYYMMDD.tar.gz} is one);
 *       it is read as a stream with Apache Commons Compress, never extracted and never held in memory whole.
 *       Directory entries, links and hidden entries (a path component starting with {@code .}, e.g. macOS
 *       {@code ._x.avro}; a leading {@code ./} is not hidden) are skipped.</li>
 * </ul>
 *
 * <p>An entry larger than {@code maxEntryBytes} is skipped and yielded as failed ({@code INPUT_TOO_LARGE}); a
 * corrupt or truncated archive yields one failed entry ({@code IO_ERROR}) and reading continues with the next input:
 * a compressed archive is checked whole before its first entry by default (none of a damaged one's entries is read),
 * else the failed entry comes at the position where reading stopped. Not thread-safe.
 */
public final class AlertSource implements AutoCloseable {

    /** Default per-entry cap: 64 MiB (a ZTF alert is ~60-130 KB, a Rubin alert with three FITS stamps ~130 KB). */
    public static final long DEFAULT_MAX_ENTRY_BYTES = 64L << 20;

    /** Largest Java byte array that can be allocated safely. */
    private static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

    private final long maxEntryBytes;
    private final boolean verifyArchives;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private final Set<Path> visitedDirectories = new HashSet<>();

    private TarArchiveInputStream archive;
    private String archiveLocation;
    private long archiveIndex;

    private record Pending(Path path, long[] counter) {
    }

    private AlertSource(long maxEntryBytes, boolean verifyArchives) {
        this.maxEntryBytes = maxEntryBytes;
        this.verifyArchives = verifyArchives;
    }

    /**
     * Opens the inputs, checking every compressed archive whole before reading its entries, see
     * {@link #open(List, long, boolean)}.
     *
     * @param inputs        alert files, directories and tar archives, read in this order
     * @param maxEntryBytes largest accepted alert file / archive entry, bytes (&gt; 0)
     * @return the source, positioned before the first entry
     * @throws DeepMergeException as {@link #open(List, long, boolean)}
     */
    public static AlertSource open(List<Path> inputs, long maxEntryBytes) throws DeepMergeException {
        return open(inputs, maxEntryBytes, true);
    }

    /**
     * Opens the inputs; checks up front that each exists and is readable.
     *
     * @param inputs        alert files, directories and tar archives, read in this order
     * @param maxEntryBytes largest accepted alert file / archive entry, bytes (&gt; 0)
     * @param verifyArchives when true, a {@code .tar.gz}/{@code .tgz} archive is read through once (inflated, its
     *                      gzip CRC-32 and length trailers and tar header checksums checked) before any of its
     *                      entries is returned: a damaged archive is then one failed entry and none of its entries is
     *                      read, instead of entries decoded from damaged bytes followed by a CRC error at its end (the
     *                      CRC covers the whole member, so which entries the damage touched cannot be told). Costs a
     *                      second inflate pass over each compressed archive. When false, the entries before the point
     *                      where the damage is detected are returned, then one failed entry
     * @return the source, positioned before the first entry
     * @throws DeepMergeException IO_ERROR naming the first input that does not exist or cannot be read;
     *                            INVALID_CONFIG when no input is given or the cap is not positive
     */
    public static AlertSource open(List<Path> inputs, long maxEntryBytes, boolean verifyArchives)
            throws DeepMergeException {
        if (inputs.isEmpty()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "no input given: expected alert files, directories or .tar.gz archives");
        }
        if (maxEntryBytes <= 0 || maxEntryBytes > MAX_ARRAY_BYTES) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "max entry size must be in (0, " + MAX_ARRAY_BYTES + "] bytes, got " + maxEntryBytes);
        }
        AlertSource source = new AlertSource(maxEntryBytes, verifyArchives);
        for (Path input : inputs) {
            if (!Files.exists(input)) {
                throw new DeepMergeException(Reason.IO_ERROR, "input does not exist: " + input);
            }
            if (!Files.isReadable(input)) {
                throw new DeepMergeException(Reason.IO_ERROR, "input is not readable: " + input);
            }
            if (!Files.isDirectory(input) && !Files.isRegularFile(input)) {
                throw new DeepMergeException(Reason.IO_ERROR, "input is neither a file nor a directory: " + input);
            }
            source.pending.addLast(new Pending(input, new long[1]));
        }
        return source;
    }

    /**
     * @param name a file or entry name
     * @return true when the name ends in {@code .tar.gz}, {@code .tgz} or {@code .tar} (case-insensitive)
     */
    public static boolean isArchiveName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".tar.gz") || n.endsWith(".tgz") || n.endsWith(".tar");
    }

    /**
     * @return the next entry (readable or failed), or null when every input is exhausted
     */
    public AlertSourceEntry next() {
        while (true) {
            if (archive != null) {
                AlertSourceEntry e = nextArchiveEntry();
                if (e != null) {
                    return e;
                }
                continue;
            }
            Pending p = pending.pollFirst();
            if (p == null) {
                return null;
            }
            Path path = p.path();
            if (Files.isDirectory(path)) {
                AlertSourceEntry failed = expandDirectory(p);
                if (failed != null) {
                    return failed;
                }
            } else if (isArchiveName(path.getFileName().toString())) {
                AlertSourceEntry failed = openArchive(path);
                if (failed != null) {
                    return failed;
                }
            } else {
                return readFile(path, p.counter()[0]++);
            }
        }
    }

    private AlertSourceEntry expandDirectory(Pending dir) {
        try {
            if (!visitedDirectories.add(dir.path().toRealPath())) {
                return null; // symlink cycle
            }
            List<Path> children = new ArrayList<>();
            try (Stream<Path> list = Files.list(dir.path())) {
                list.filter(c -> !c.getFileName().toString().startsWith(".")).sorted().forEach(children::add);
            }
            for (int i = children.size() - 1; i >= 0; i--) {
                pending.addFirst(new Pending(children.get(i), dir.counter()));
            }
            return null;
        } catch (IOException e) {
            return AlertSourceEntry.failed(dir.path().toString(), dir.counter()[0]++,
                    new DeepMergeException(Reason.IO_ERROR, "cannot list directory " + dir.path() + ": " + e, e));
        }
    }

    private AlertSourceEntry readFile(Path path, long position) {
        String location = path.toString();
        try {
            long size = Files.size(path);
            if (size > maxEntryBytes) {
                return AlertSourceEntry.failed(location, position, tooLarge(location, size));
            }
            return AlertSourceEntry.of(location, position, Files.readAllBytes(path));
        } catch (IOException e) {
            return AlertSourceEntry.failed(location, position,
                    new DeepMergeException(Reason.IO_ERROR, "cannot read " + location + ": " + e, e));
        }
    }

    private AlertSourceEntry openArchive(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (verifyArchives && !name.endsWith(".tar")) {
            AlertSourceEntry damaged = verify(path);
            if (damaged != null) {
                return damaged;
            }
        }
        InputStream in = null;
        try {
            in = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
            InputStream tarStream = name.endsWith(".tar") ? in : new GzipCompressorInputStream(in, true);
            archive = new TarArchiveInputStream(tarStream);
            archiveLocation = path.toString();
            archiveIndex = 0;
            return null;
        } catch (IOException e) {
            closeQuietly(in);
            return AlertSourceEntry.failed(path.toString(), 0,
                    new DeepMergeException(Reason.IO_ERROR, "cannot open archive " + path + " (not gzip?): " + e.getMessage(), e));
        }
    }

    /**
     * Reads a compressed archive through once: every tar header (checksum checked by Commons Compress), every byte of
     * every gzip member (CRC-32 and ISIZE checked at each member's end).
     *
     * @return null when the archive reads cleanly, else a failed entry (IO_ERROR) at position 0 saying what is wrong
     */
    private static AlertSourceEntry verify(Path path) {
        long entries = 0;
        try (InputStream file = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
             GzipCompressorInputStream gzip = new GzipCompressorInputStream(file, true);
             TarArchiveInputStream tar = new TarArchiveInputStream(gzip)) {
            while (tar.getNextEntry() != null) {
                entries++;
            }
            gzip.transferTo(OutputStream.nullOutputStream());
            return null;
        } catch (IOException | RuntimeException e) {
            return AlertSourceEntry.failed(path.toString(), 0, new DeepMergeException(Reason.IO_ERROR, "archive " + path
                    + " is damaged (" + describe(e) + ", found after " + entries + " entries while checking the whole"
                    + " archive before reading it): none of its entries was read; fetch it again, or read the entries"
                    + " before the damage without this check (deepmerge score --no-verify-archives)", e));
        }
    }

    /** @return the exception's message, or its class name when it has none (Commons Compress' EOFException) */
    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** @return the next entry of the open archive, or null after closing it at its end */
    private AlertSourceEntry nextArchiveEntry() {
        TarArchiveEntry entry;
        String entryName;
        do {
            try {
                entry = archive.getNextEntry();
            } catch (IOException | RuntimeException e) {
                return archiveFailed(archiveLocation, "archive " + archiveLocation + " is corrupt or truncated after "
                        + archiveIndex + " entries: " + describe(e), e);
            }
            if (entry == null) {
                closeArchive();
                return null;
            }
            entryName = entry.getName();
        } while (!entry.isFile() || isHiddenEntry(entryName));
        String location = archiveLocation + "!/" + entryName;
        long position = archiveIndex++;
        long size = entry.getSize();
        if (size > maxEntryBytes) {
            return AlertSourceEntry.failed(location, position, tooLarge(location, size));
        }
        try {
            byte[] bytes = archive.readNBytes((int) size);
            if (bytes.length < size) {
                archiveIndex--;
                return archiveFailed(location, "archive " + archiveLocation + " is truncated inside entry "
                        + entryName + ": " + bytes.length + " of " + size + " bytes", null);
            }
            return AlertSourceEntry.of(location, position, bytes);
        } catch (IOException | RuntimeException e) {
            archiveIndex--;
            return archiveFailed(location, "archive " + archiveLocation + " is corrupt or truncated inside entry "
                    + entryName + ": " + describe(e), e);
        }
    }

    /** @return true when a path component of the entry name starts with a dot ({@code ./x} is not hidden) */
    static boolean isHiddenEntry(String entryName) {
        for (String part : entryName.split("/")) {
            if (part.startsWith(".") && !part.equals(".")) {
                return true;
            }
        }
        return false;
    }

    private AlertSourceEntry archiveFailed(String location, String message, Exception cause) {
        long position = archiveIndex;
        closeArchive();
        return AlertSourceEntry.failed(location, position, new DeepMergeException(Reason.IO_ERROR, message, cause));
    }

    private DeepMergeException tooLarge(String location, long size) {
        return new DeepMergeException(Reason.INPUT_TOO_LARGE, location + " is " + size
                + " bytes, over the per-entry cap of " + maxEntryBytes + " bytes");
    }

    private void closeArchive() {
        closeQuietly(archive);
        archive = null;
        archiveLocation = null;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // nothing useful to do: the stream was only read
            }
        }
    }

    /** Closes the archive being read, if any. */
    @Override
    public void close() {
        closeArchive();
        pending.clear();
    }
}
