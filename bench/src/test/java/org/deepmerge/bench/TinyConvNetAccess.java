package org.deepmerge.bench;

import java.io.IOException;
import java.nio.file.Path;

/** Lets tests in other packages write the {@link TinyConvNet} model. */
public final class TinyConvNetAccess {
    /** Multiply-adds per image of the tiny net, by hand (see {@link TinyConvNet}). */
    public static final long MACS = TinyConvNet.MACS;

    private TinyConvNetAccess() {
    }

    /**
     * @param file  destination
     * @param batch fixed N, or -1 for dynamic
     * @return file
     * @throws IOException when it cannot be written
     */
    public static Path write(Path file, int batch) throws IOException {
        return TinyConvNet.write(file, batch);
    }
}
