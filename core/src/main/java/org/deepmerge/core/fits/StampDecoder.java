package org.deepmerge.core.fits;

import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.alert.CutoutStamp;

/** Decodes FITS stamps (gzipped or plain) with nom-tam-fits, within {@link StampLimits}. */
public final class StampDecoder {
    private final StampLimits limits;

    /** @param limits size caps */
    public StampDecoder(StampLimits limits) {
        this.limits = limits;
    }

    /**
     * @param stamp an alert's stamp
     * @return the decoded image
     * @throws DeepMergeException MISSING_CUTOUT, NOT_FITS, CORRUPT_GZIP, CORRUPT_FITS, STAMP_TOO_LARGE, WRONG_SHAPE
     */
    public Stamp decode(CutoutStamp stamp) throws DeepMergeException {
        throw new UnsupportedOperationException("not implemented yet " + limits);
    }
}
