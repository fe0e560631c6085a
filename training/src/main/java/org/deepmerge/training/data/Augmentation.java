package org.deepmerge.training.data;

/**
 * The DeepMerge augmentation (Ciprijanovic et al. 2020): each merger enters training as the original and as
 * its {@code flipud}, {@code fliplr}, {@code rot90} and {@code rot180} versions (numpy semantics on the
 * (H,W) axes of a {@code [C,H,W]} image, every channel alike).
 */
public enum Augmentation {
    /** The image as is. */
    ORIGINAL,
    /** Rows reversed: {@code out[c][y][x] = in[c][H-1-y][x]} (numpy flipud). */
    FLIP_UD,
    /** Columns reversed: {@code out[c][y][x] = in[c][y][W-1-x]} (numpy fliplr). */
    FLIP_LR,
    /** 90 degrees counter-clockwise: {@code out[c][y][x] = in[c][x][W-1-y]} (numpy rot90, square images only). */
    ROT90,
    /** 180 degrees: {@code out[c][y][x] = in[c][H-1-y][W-1-x]}. */
    ROT180;

    /**
     * Writes the transformed {@code [C,H,W]} image.
     *
     * @param src    source array
     * @param srcOff where the source image starts
     * @param c      channels
     * @param h      height, pixels
     * @param w      width, pixels
     * @param dst    destination array (not the same region as the source)
     * @param dstOff where the destination image starts
     * @throws IllegalArgumentException for ROT90 on a non-square image
     */
    public void apply(float[] src, long srcOff, int c, int h, int w, float[] dst, int dstOff) {
        if (this == ROT90 && h != w) {
            throw new IllegalArgumentException("rot90 needs a square image, got " + h + "x" + w);
        }
        int plane = h * w;
        for (int ch = 0; ch < c; ch++) {
            int s = (int) (srcOff + (long) ch * plane);
            int d = dstOff + ch * plane;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int sy;
                    int sx;
                    switch (this) {
                        case FLIP_UD -> { sy = h - 1 - y; sx = x; }
                        case FLIP_LR -> { sy = y; sx = w - 1 - x; }
                        case ROT90 -> { sy = x; sx = w - 1 - y; }
                        case ROT180 -> { sy = h - 1 - y; sx = w - 1 - x; }
                        default -> { sy = y; sx = x; }
                    }
                    dst[d + y * w + x] = src[s + sy * w + sx];
                }
            }
        }
    }
}
