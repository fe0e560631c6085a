package org.deepmerge.core.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertSourceTest {

    private static final byte[] AVRO_MAGIC = {'O', 'b', 'j', 1};

    @TempDir
    Path tmp;

    private static List<Path> sortedFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static List<AlertSourceEntry> readAll(List<Path> inputs, long cap) throws DeepMergeException {
        return readAll(inputs, cap, true);
    }

    private static List<AlertSourceEntry> readAll(List<Path> inputs, long cap, boolean verify) throws DeepMergeException {
        List<AlertSourceEntry> out = new ArrayList<>();
        try (AlertSource src = AlertSource.open(inputs, cap, verify)) {
            for (AlertSourceEntry e = src.next(); e != null; e = src.next()) {
                out.add(e);
            }
        }
        return out;
    }

    /** Writes a tar (gzipped when gzip) of the files under a prefix each, plus a directory and a hidden entry. */
    private static void writeTar(Path tar, boolean gzip, String[] prefixes, List<List<Path>> files) throws IOException {
        try (OutputStream raw = Files.newOutputStream(tar);
             OutputStream body = gzip ? new GzipCompressorOutputStream(raw) : raw;
             TarArchiveOutputStream out = new TarArchiveOutputStream(body)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (int i = 0; i < prefixes.length; i++) {
                out.putArchiveEntry(new TarArchiveEntry(prefixes[i] + "/"));
                out.closeArchiveEntry();
                byte[] junk = "AppleDouble".getBytes(StandardCharsets.US_ASCII);
                TarArchiveEntry hidden = new TarArchiveEntry(prefixes[i] + "/._hidden.avro");
                hidden.setSize(junk.length);
                out.putArchiveEntry(hidden);
                out.write(junk);
                out.closeArchiveEntry();
                for (Path f : files.get(i)) {
                    byte[] b = Files.readAllBytes(f);
                    TarArchiveEntry e = new TarArchiveEntry("./" + prefixes[i] + "/" + f.getFileName());
                    e.setSize(b.length);
                    out.putArchiveEntry(e);
                    out.write(b);
                    out.closeArchiveEntry();
                }
            }
        }
    }

    @Test
    void readsEveryZtfAlertOfADirectoryInNameOrder() throws Exception {
        Path dir = TestData.require("alerts/ztf");
        List<Path> expected = sortedFiles(dir);
        List<AlertSourceEntry> entries = readAll(List.of(dir), AlertSource.DEFAULT_MAX_ENTRY_BYTES);
        assertEquals(87, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            AlertSourceEntry e = entries.get(i);
            assertTrue(e.readable(), e.location());
            assertEquals(expected.get(i).toString(), e.location());
            assertEquals(i, e.position());
            assertArrayEquals(AVRO_MAGIC, Arrays.copyOf(e.bytes(), 4), e.location());
            assertEquals(Files.size(expected.get(i)), e.bytes().length);
        }
    }

    @Test
    void walksNestedDirectoriesSortedAndSkipsHiddenFiles() throws Exception {
        List<Path> ztf = sortedFiles(TestData.require("alerts/ztf"));
        Path root = tmp.resolve("nightly");
        Files.createDirectories(root.resolve("b"));
        Files.createDirectories(root.resolve(".cache"));
        Files.copy(ztf.get(0), root.resolve("b/2.avro"));
        Files.copy(ztf.get(1), root.resolve("a.avro"));
        Files.copy(ztf.get(2), root.resolve("b/1.avro"));
        Files.copy(ztf.get(3), root.resolve(".DS_Store"));
        Files.copy(ztf.get(4), root.resolve(".cache/x.avro"));

        List<AlertSourceEntry> entries = readAll(List.of(root), AlertSource.DEFAULT_MAX_ENTRY_BYTES);
        assertEquals(List.of(root.resolve("a.avro").toString(), root.resolve("b/1.avro").toString(),
                root.resolve("b/2.avro").toString()), entries.stream().map(AlertSourceEntry::location).toList());
        assertEquals(List.of(0L, 1L, 2L), entries.stream().map(AlertSourceEntry::position).toList());
        assertArrayEquals(Files.readAllBytes(ztf.get(2)), entries.get(1).bytes());
    }

    @Test
    void streamsTarballsOfZtfAndRubinAlerts() throws Exception {
        List<Path> ztf = sortedFiles(TestData.require("alerts/ztf"));
        List<Path> rubin = sortedFiles(TestData.require("alerts/rubin-v9_0"));
        assertEquals(288, rubin.size());
        for (String name : new String[] {"ztf_public_20250101.tar.gz", "both.tgz", "both.tar"}) {
            Path tar = tmp.resolve(name);
            writeTar(tar, !name.endsWith(".tar"), new String[] {"ztf", "rubin-v9_0"}, List.of(ztf, rubin));

            List<AlertSourceEntry> entries = readAll(List.of(tar), AlertSource.DEFAULT_MAX_ENTRY_BYTES);
            assertEquals(87 + 288, entries.size(), name);
            for (int i = 0; i < entries.size(); i++) {
                AlertSourceEntry e = entries.get(i);
                Path original = i < 87 ? ztf.get(i) : rubin.get(i - 87);
                String dir = i < 87 ? "ztf" : "rubin-v9_0";
                assertTrue(e.readable(), e.location());
                assertEquals(tar + "!/./" + dir + "/" + original.getFileName(), e.location());
                assertEquals(i, e.position());
                assertArrayEquals(Files.readAllBytes(original), e.bytes(), e.location());
            }
        }
    }

    @Test
    void entriesOverTheCapAreReportedAndSkipped() throws Exception {
        List<Path> rubin = sortedFiles(TestData.require("alerts/rubin-v9_0"));
        long[] sizes = new long[rubin.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = Files.size(rubin.get(i));
        }
        long cap = Arrays.stream(sizes).sorted().toArray()[sizes.length / 2];
        Path tar = tmp.resolve("rubin.tar.gz");
        writeTar(tar, true, new String[] {"r"}, List.of(rubin));

        for (List<Path> input : List.of(List.of(tar), List.of(TestData.require("alerts/rubin-v9_0")))) {
            List<AlertSourceEntry> entries = readAll(input, cap);
            assertEquals(rubin.size(), entries.size());
            int tooLarge = 0;
            for (int i = 0; i < entries.size(); i++) {
                AlertSourceEntry e = entries.get(i);
                assertEquals(i, e.position());
                if (sizes[i] > cap) {
                    tooLarge++;
                    assertFalse(e.readable());
                    assertEquals(Reason.INPUT_TOO_LARGE, e.failure().reason());
                    assertTrue(e.failure().getMessage().contains(e.location()), e.failure().getMessage());
                    assertTrue(e.failure().getMessage().contains(sizes[i] + " bytes"), e.failure().getMessage());
                } else {
                    assertArrayEquals(Files.readAllBytes(rubin.get(i)), e.bytes());
                }
            }
            assertTrue(tooLarge > 0 && tooLarge < rubin.size(), "cap " + cap + " splits the alerts");
        }
    }

    @Test
    void truncatedTarballYieldsTheEntriesBeforeTheDamageThenAClearFailure() throws Exception {
        List<Path> ztf = sortedFiles(TestData.require("alerts/ztf"));
        Path tar = tmp.resolve("ztf_public_20250102.tar.gz");
        writeTar(tar, true, new String[] {"ztf"}, List.of(ztf));
        byte[] whole = Files.readAllBytes(tar);
        Path truncated = tmp.resolve("truncated.tar.gz");
        Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));
        Path next = ztf.get(5);

        List<AlertSourceEntry> entries = readAll(List.of(truncated, next), AlertSource.DEFAULT_MAX_ENTRY_BYTES, false);
        AlertSourceEntry last = entries.get(entries.size() - 1);
        assertEquals(next.toString(), last.location(), "reading goes on with the next input");
        AlertSourceEntry failed = entries.get(entries.size() - 2);
        assertFalse(failed.readable());
        assertEquals(Reason.IO_ERROR, failed.failure().reason());
        assertTrue(failed.failure().getMessage().contains(truncated.toString()), failed.failure().getMessage());
        assertTrue(failed.location().startsWith(truncated.toString()));
        int good = entries.size() - 2;
        assertTrue(good > 10 && good < 87, "entries before the damage: " + good);
        assertEquals(good, failed.position());
        for (int i = 0; i < good; i++) {
            assertArrayEquals(Files.readAllBytes(ztf.get(i)), entries.get(i).bytes());
        }
    }

    /**
     * Issue 19, item 6: a byte flipped inside a .tar.gz was reported only after the archive's entries had been read (and
     * scored): the gzip CRC-32 covers the whole member, so the damage shows at its end. Checked first, the archive is
     * one failure and none of its entries is read; truncation is caught the same way.
     */
    @Test
    void aDamagedTarballIsReportedBeforeAnyOfItsEntriesIsRead() throws Exception {
        List<Path> ztf = sortedFiles(TestData.require("alerts/ztf")).subList(0, 8);
        Path tar = tmp.resolve("ztf_public_20250104.tar.gz");
        writeTar(tar, true, new String[] {"ztf"}, List.of(ztf));
        byte[] whole = Files.readAllBytes(tar);
        byte[] flipped = whole.clone();
        flipped[whole.length / 2] ^= (byte) 0xFF;
        Path damaged = tmp.resolve("flipped.tar.gz");
        Files.write(damaged, flipped);
        Path truncated = tmp.resolve("truncated.tar.gz");
        Files.write(truncated, Arrays.copyOf(whole, whole.length * 3 / 4));
        Path next = sortedFiles(TestData.require("alerts/ztf")).get(9);

        List<AlertSourceEntry> unchecked = readAll(List.of(damaged), AlertSource.DEFAULT_MAX_ENTRY_BYTES, false);
        assertTrue(unchecked.size() > 1 && unchecked.get(0).readable(),
                "without the check, entries come before the failure: " + unchecked.size());
        assertFalse(unchecked.get(unchecked.size() - 1).readable());

        for (Path bad : List.of(damaged, truncated)) {
            List<AlertSourceEntry> entries = readAll(List.of(bad, next), AlertSource.DEFAULT_MAX_ENTRY_BYTES);
            assertEquals(2, entries.size(), bad + ": one failure, then the next input");
            AlertSourceEntry failed = entries.get(0);
            assertFalse(failed.readable());
            assertEquals(Reason.IO_ERROR, failed.failure().reason());
            assertEquals(bad.toString(), failed.location());
            String message = failed.failure().getMessage();
            assertTrue(message.contains("is damaged") && message.contains("none of its entries was read")
                    && !message.contains("null"), message);
            assertEquals(next.toString(), entries.get(1).location());
        }
        assertEquals(8, readAll(List.of(tar), AlertSource.DEFAULT_MAX_ENTRY_BYTES).size(), "an intact archive reads whole");
    }

    @Test
    void garbageNamedLikeATarballIsAClearFailure() throws Exception {
        Path fake = tmp.resolve("ztf_public_20250103.tar.gz");
        Files.copy(sortedFiles(TestData.require("alerts/ztf")).get(0), fake);
        List<AlertSourceEntry> entries = readAll(List.of(fake), AlertSource.DEFAULT_MAX_ENTRY_BYTES);
        assertEquals(1, entries.size());
        assertEquals(Reason.IO_ERROR, entries.get(0).failure().reason());
        assertEquals(fake.toString(), entries.get(0).location());
        assertTrue(entries.get(0).failure().getMessage().contains(fake.toString()));
    }

    @Test
    void missingInputIsAnIoErrorNamingIt() {
        Path missing = tmp.resolve("no-such-night.tar.gz");
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> AlertSource.open(List.of(tmp, missing), AlertSource.DEFAULT_MAX_ENTRY_BYTES));
        assertEquals(Reason.IO_ERROR, e.reason());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void emptyDirectoryYieldsNothing() throws Exception {
        try (AlertSource src = AlertSource.open(List.of(tmp), 1024)) {
            assertNull(src.next());
        }
    }

    @Test
    void hiddenEntryNames() {
        assertFalse(AlertSource.isHiddenEntry("./ztf/ZTF18aaa.avro"));
        assertTrue(AlertSource.isHiddenEntry("ztf/._ZTF18aaa.avro"));
        assertTrue(AlertSource.isHiddenEntry(".git/objects/x"));
        assertTrue(AlertSource.isArchiveName("ztf_public_20250101.TAR.GZ"));
        assertFalse(AlertSource.isArchiveName("ZTF18aaa.avro"));
    }
}
