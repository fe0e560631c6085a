package org.deepmerge.core.fits;

/**
 * Hard caps that keep a hostile stamp from exhausting memory.
 *
 * @param maxStampBytes        largest accepted stamp, bytes, before decompression
 * @param maxDecompressedBytes largest accepted inflated FITS file, bytes
 * @param maxAxisLength        largest accepted NAXISn, pixels
 */
public record StampLimits(long maxStampBytes, long maxDecompressedBytes, int maxAxisLength) {
    /** @return defaults: 16 MiB stamp, 64 MiB inflated, 4096 px per axis */
    public static StampLimits defaults() {
        return new StampLimits(16L << 20, 64L << 20, 4096);
    }
}
