package org.deepmerge.core.fits;

/**
 * Hard caps that keep a hostile stamp from exhausting memory.
 *
 * <p>The defaults are chosen together so that the largest stamp the axis limit allows, 4096 x 4096 at 32 bits per
 * pixel (64 MiB of pixels), is accepted gzipped or plain, with {@link #DEFAULT_HEADER_ROOM_BYTES} for its headers;
 * the limits are inclusive (a value equal to a limit is accepted).
 *
 * @param maxStampBytes        largest accepted stamp, bytes, before decompression
 * @param maxDecompressedBytes largest accepted inflated FITS file, bytes; also the most data bytes one HDU may declare
 * @param maxAxisLength        largest accepted NAXISn, pixels
 */
public record StampLimits(long maxStampBytes, long maxDecompressedBytes, int maxAxisLength) {
    /** Default {@link #maxAxisLength()}, pixels. */
    public static final int DEFAULT_MAX_AXIS_LENGTH = 4096;
    /** Bytes above the pixel data of the largest default stamp allowed for its headers (and small extensions): 1 MiB. */
    public static final long DEFAULT_HEADER_ROOM_BYTES = 1L << 20;
    /**
     * Default {@link #maxDecompressedBytes()} and {@link #maxStampBytes()}: a 4096 x 4096 image of 4-byte pixels
     * (64 MiB) plus {@link #DEFAULT_HEADER_ROOM_BYTES}, 65 MiB.
     */
    public static final long DEFAULT_MAX_BYTES = (long) DEFAULT_MAX_AXIS_LENGTH * DEFAULT_MAX_AXIS_LENGTH * Float.BYTES
            + DEFAULT_HEADER_ROOM_BYTES;

    /** @return defaults: 65 MiB per stamp before and after inflating, 4096 px per axis */
    public static StampLimits defaults() {
        return new StampLimits(DEFAULT_MAX_BYTES, DEFAULT_MAX_BYTES, DEFAULT_MAX_AXIS_LENGTH);
    }
}
