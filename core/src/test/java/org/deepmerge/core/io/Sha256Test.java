package org.deepmerge.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Sha256Test {
    @TempDir
    Path tmp;

    @Test
    void fipsTestVectorsAsLowerCaseHex() {
        // FIPS 180-2 appendix B.1 ("abc") and the empty message
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                Sha256.hex("abc".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Sha256.hex(new byte[0]));
    }

    @Test
    void fileBytesAndPartsAgree() throws Exception {
        byte[] big = new byte[200_003]; // more than three 64 KiB reads, not a multiple of one
        new Random(7).nextBytes(big);
        Path f = Files.write(tmp.resolve("blob.bin"), big);
        String whole = Sha256.hex(big);
        assertEquals(whole, Sha256.hex(f));
        MessageDigest md = Sha256.digest();
        md.update(big, 0, 1000);
        md.update(big, 1000, big.length - 1000);
        assertEquals(whole, Sha256.hex(md));
        assertEquals(64, whole.length());
        assertEquals(whole.toLowerCase(java.util.Locale.ROOT), whole);
    }

    @Test
    void unreadableFileIsAnIoErrorNamingIt() {
        Path missing = tmp.resolve("missing.onnx");
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> Sha256.hex(missing));
        assertEquals(Reason.IO_ERROR, e.reason());
        assertTrue(e.getMessage().contains("missing.onnx"), e.getMessage());
    }
}
