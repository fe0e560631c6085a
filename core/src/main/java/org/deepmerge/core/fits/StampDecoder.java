package org.deepmerge.core.fits;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import nom.tam.fits.Header;
import nom.tam.fits.HeaderCard;
import nom.tam.fits.ImageData;
import nom.tam.fits.PaddingException;
import nom.tam.util.FitsInputStream;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.alert.FormatSniffer;

/**
 * Decodes FITS stamps (gzipped or plain) with nom-tam-fits into float32 images, within {@link StampLimits}.
 *
 * <p>Steps (documented in {@code docs/formats.md}, "Stamps"):
 * <ol>
 *   <li>null data: MISSING_CUTOUT; more than {@link StampLimits#maxStampBytes()}: STAMP_TOO_LARGE;</li>
 *   <li>gzip (magic 1F 8B) is inflated member by member with a raw JDK {@link Inflater} (CRC-32 and ISIZE checked),
 *       stopping with STAMP_TOO_LARGE as soon as more than {@link StampLimits#maxDecompressedBytes()} come out (gzip
 *       bombs never get buffered); bytes after the last member that are not another member are CORRUPT_GZIP;</li>
 *   <li>the bytes must start with {@code SIMPLE} (else NOT_FITS, naming what they look like, e.g. JPEG), and its
 *       value must be {@code T} (else CORRUPT_FITS);</li>
 *   <li>each header must end with an END card before any byte that is not header text (ASCII 0x20-0x7E) and before
 *       the next HDU's XTENSION card (else CORRUPT_FITS "no END card"); BITPIX, NAXIS, NAXISn, PCOUNT, GCOUNT and
 *       BLANK must be integers, BSCALE and BZERO finite reals, BSCALE non-zero (else CORRUPT_FITS naming the keyword);</li>
 *   <li>every header up to the image is read and checked before any data array is allocated: NAXISn within
 *       {@link StampLimits#maxAxisLength()}, declared data size within {@link StampLimits#maxDecompressedBytes()}
 *       (else STAMP_TOO_LARGE) and present in the bytes (else CORRUPT_FITS "truncated");</li>
 *   <li>the image is the primary HDU, or the first IMAGE extension when the primary has no data (Rubin stamps:
 *       PRIMARY image, UNCERT, PSFIMAGE); it must be 2-D (extra axes of length 1 allowed; else WRONG_SHAPE);</li>
 *   <li>BITPIX 8 (unsigned), 16, 32, 64, -32, -64; physical value = BZERO + BSCALE * stored; integer pixels equal
 *       to BLANK count as non-finite (FITS Standard 4.0, sections 4.4.2.5 and 5.3);</li>
 *   <li>NaN/Inf pixels are replaced by the median of the finite pixels of the stamp (an estimate of the local
 *       background, 0 in a difference image) and counted in {@link Stamp#nonFiniteReplaced()}; a stamp with no
 *       finite pixel is CORRUPT_FITS;</li>
 *   <li>pixel scale from the WCS when the header has one (CD matrix, or PC matrix times CDELT, or CDELT with a
 *       celestial CTYPE; degrees unless CUNIT says otherwise): sqrt(|det|) * 3600 arcsec/px (Calabretta &amp;
 *       Greisen 2002, A&amp;A 395, 1077); else {@link CutoutStamp#pixelScaleArcsec()}.</li>
 * </ol>
 * Stateless apart from its limits; thread-safe.
 */
public final class StampDecoder {
    private static final int BLOCK = 2880;
    private static final int CARD = 80;
    /** Longest accepted header, in 2880-byte blocks (a ZTF or Rubin stamp header is 1-2 blocks). */
    private static final int MAX_HEADER_BLOCKS = 64;
    /** Most HDUs looked at before giving up finding an image. */
    private static final int MAX_HDUS = 32;

    static {
        FitsLibraryLogging.demoteToDebug();
    }

    private final StampLimits limits;
    private final InflateBudget budget;

    /** @param limits size caps; gzip inflate buffers count against the process-wide {@link InflateBudget#shared()} */
    public StampDecoder(StampLimits limits) {
        this(limits, InflateBudget.shared());
    }

    /**
     * @param limits size caps
     * @param budget inflate buffer bytes shared with the other decoders that run at the same time
     */
    public StampDecoder(StampLimits limits, InflateBudget budget) {
        if (limits.maxStampBytes() <= 0 || limits.maxDecompressedBytes() <= 0 || limits.maxAxisLength() <= 0) {
            throw new IllegalArgumentException("stamp limits must be positive: " + limits);
        }
        this.limits = limits;
        this.budget = java.util.Objects.requireNonNull(budget, "budget");
    }

    /** @return a decoder with {@link StampLimits#defaults()} */
    public static StampDecoder withDefaults() {
        return new StampDecoder(StampLimits.defaults());
    }

    /** @return the caps in force */
    public StampLimits limits() {
        return limits;
    }

    /**
     * @param stamp an alert's stamp
     * @return the decoded image, float32 row-major {@code [height][width]} flattened (see {@link Stamp})
     * @throws DeepMergeException MISSING_CUTOUT (no data, message "cutoutTemplate is null"), NOT_FITS, CORRUPT_GZIP,
     *                            CORRUPT_FITS, STAMP_TOO_LARGE, WRONG_SHAPE; never an OutOfMemoryError for hostile
     *                            input within the limits
     */
    public Stamp decode(CutoutStamp stamp) throws DeepMergeException {
        String field = "cutout" + Character.toUpperCase(stamp.kind().charAt(0)) + stamp.kind().substring(1);
        String where = field + " (band " + stamp.band() + ")";
        byte[] raw = stamp.data();
        if (raw == null) {
            throw new DeepMergeException(Reason.MISSING_CUTOUT, field + " is null");
        }
        return decode(raw, stamp.pixelScaleArcsec(), where);
    }

    /**
     * @param data                FITS file bytes, gzipped or not
     * @param defaultScaleArcsec  pixel scale to use when the header has no WCS, arcsec/px
     * @param where               names the stamp in error messages, e.g. a file name
     * @return the decoded image
     * @throws DeepMergeException as {@link #decode(CutoutStamp)}
     */
    public Stamp decode(byte[] data, double defaultScaleArcsec, String where) throws DeepMergeException {
        byte[] fits = gunzip(data, where);
        return decodeFits(fits, defaultScaleArcsec, where, fits != data);
    }

    /**
     * The first half of {@link #decode(byte[], double, String)}: checks the stamp size and inflates gzip (magic
     * 1F 8B) member by member with a raw {@link Inflater} (see {@link #decode(byte[], double, String)}).
     *
     * @param data  stamp bytes, gzipped or not
     * @param where names the stamp in error messages
     * @return the inflated bytes, or {@code data} itself when it is not gzipped
     * @throws DeepMergeException NOT_FITS (empty), STAMP_TOO_LARGE (above {@link StampLimits#maxStampBytes()},
     *                            inflating to more than {@link StampLimits#maxDecompressedBytes()}, or needing a bigger
     *                            buffer while concurrent stamps hold the {@link InflateBudget}), CORRUPT_GZIP
     */
    public byte[] gunzip(byte[] data, String where) throws DeepMergeException {
        if (data.length == 0) {
            throw new DeepMergeException(Reason.NOT_FITS, where + ": stamp is empty (0 bytes), not FITS");
        }
        if (data.length > limits.maxStampBytes()) {
            throw new DeepMergeException(Reason.STAMP_TOO_LARGE, where + ": stamp of " + data.length
                    + " bytes exceeds the limit of " + limits.maxStampBytes() + " bytes");
        }
        return isGzip(data) ? inflate(data, where) : data;
    }

    /**
     * The second half of {@link #decode(byte[], double, String)}: parses plain FITS bytes with nom-tam-fits.
     *
     * @param fits               FITS file bytes, not gzipped (e.g. from {@link #gunzip})
     * @param defaultScaleArcsec pixel scale to use when the header has no WCS, arcsec/px
     * @param where              names the stamp in error messages
     * @return the decoded image
     * @throws DeepMergeException NOT_FITS (naming what the bytes look like, e.g. JPEG), CORRUPT_FITS,
     *                            STAMP_TOO_LARGE, WRONG_SHAPE
     */
    public Stamp decodeFits(byte[] fits, double defaultScaleArcsec, String where) throws DeepMergeException {
        return decodeFits(fits, defaultScaleArcsec, where, false);
    }

    private Stamp decodeFits(byte[] fits, double defaultScaleArcsec, String where, boolean inflated)
            throws DeepMergeException {
        if (!startsWith(fits, "SIMPLE")) {
            String type = FormatSniffer.guessType(fits);
            String what = inflated ? "gzip content" : "stamp";
            throw new DeepMergeException(Reason.NOT_FITS, where + ": " + what + " is "
                    + (type != null ? type : "not recognised (" + FormatSniffer.describe(fits) + ")") + ", not FITS");
        }
        return parseFits(fits, defaultScaleArcsec, where);
    }

    private static boolean isGzip(byte[] data) {
        return data.length >= 2 && (data[0] & 0xFF) == 0x1F && (data[1] & 0xFF) == 0x8B;
    }

    /**
     * Inflates every gzip member (RFC 1952: a gzip file is a series of members, inflated to their concatenation) with
     * a raw {@link Inflater}, checking each member's CRC-32 and ISIZE. Bytes after the last member that do not start
     * another member are CORRUPT_GZIP: a lenient reader (the JDK's GZIPInputStream) silently drops them. Every
     * inflate buffer is taken from the budget shared with the other decode threads before it is allocated.
     */
    private byte[] inflate(byte[] gz, String where) throws DeepMergeException {
        try (InflateBudget.Lease lease = budget.lease(where, gz.length)) {
            return inflate(gz, where, lease);
        }
    }

    private byte[] inflate(byte[] gz, String where, InflateBudget.Lease lease) throws DeepMergeException {
        long max = limits.maxDecompressedBytes();
        // the gzip trailer's ISIZE (RFC 1952: uncompressed size mod 2^32) sizes the output; only a hint, capped so a
        // forged trailer cannot make a small message allocate the whole limit
        long isize = gz.length >= 18 ? Integer.toUnsignedLong(ByteBuffer.wrap(gz, gz.length - 4, 4)
                .order(ByteOrder.LITTLE_ENDIAN).getInt()) : 0;
        byte[] out = lease.allocate((int) Math.min(max, Math.max(BLOCK, Math.min(isize, 16L * gz.length))));
        int total = 0;
        int pos = 0;
        Inflater inflater = new Inflater(true);
        CRC32 crc = new CRC32();
        try {
            for (int member = 0; pos < gz.length; member++) {
                if (member > 0 && !isGzip(Arrays.copyOfRange(gz, pos, Math.min(gz.length, pos + 2)))) {
                    throw new DeepMergeException(Reason.CORRUPT_GZIP, where + ": " + (gz.length - pos)
                            + " bytes after the gzip member ending at offset " + pos + " (not another gzip member)");
                }
                int dataStart = gzipHeaderEnd(gz, pos, where);
                inflater.reset();
                crc.reset();
                inflater.setInput(gz, dataStart, gz.length - dataStart);
                int memberStart = total;
                while (!inflater.finished()) {
                    if (total == out.length) {
                        if (total >= max) {
                            throw new DeepMergeException(Reason.STAMP_TOO_LARGE, where + ": gzip stamp of " + gz.length
                                    + " bytes inflates to more than " + max + " bytes (limit; gzip bomb?)");
                        }
                        out = lease.copyOf(out, (int) Math.min(max, 2L * out.length));
                    }
                    int n = inflater.inflate(out, total, out.length - total);
                    total += n;
                    if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                        throw new DeepMergeException(Reason.CORRUPT_GZIP, where + ": truncated gzip (" + gz.length
                                + " bytes, ends after " + total + " inflated bytes)");
                    }
                }
                crc.update(out, memberStart, total - memberStart);
                int trailer = gz.length - inflater.getRemaining();
                if (trailer + 8 > gz.length) {
                    throw new DeepMergeException(Reason.CORRUPT_GZIP, where + ": truncated gzip (" + gz.length
                            + " bytes, member trailer cut short after " + total + " inflated bytes)");
                }
                ByteBuffer t = ByteBuffer.wrap(gz, trailer, 8).order(ByteOrder.LITTLE_ENDIAN);
                long storedCrc = Integer.toUnsignedLong(t.getInt());
                long storedSize = Integer.toUnsignedLong(t.getInt());
                if (storedCrc != crc.getValue()) {
                    throw new DeepMergeException(Reason.CORRUPT_GZIP, where + ": corrupt gzip: CRC-32 mismatch in the"
                            + " member at offset " + pos);
                }
                if (storedSize != ((total - memberStart) & 0xFFFFFFFFL)) {
                    throw new DeepMergeException(Reason.CORRUPT_GZIP, where + ": corrupt gzip: ISIZE " + storedSize
                            + " but the member at offset " + pos + " inflates to " + (total - memberStart) + " bytes");
                }
                pos = trailer + 8;
            }
        } catch (DataFormatException e) {
            throw new DeepMergeException(Reason.CORRUPT_GZIP, where + ": corrupt gzip: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
        return total == out.length ? out : lease.copyOf(out, total);
    }

    /** @return the offset of the deflate data of the gzip member whose header starts at {@code at} (RFC 1952 2.3) */
    private static int gzipHeaderEnd(byte[] gz, int at, String where) throws DeepMergeException {
        String truncated = where + ": truncated gzip (header of the member at offset " + at + " cut short)";
        if (gz.length - at < 10) {
            throw new DeepMergeException(Reason.CORRUPT_GZIP, truncated);
        }
        if ((gz[at + 2] & 0xFF) != 8) {
            throw new DeepMergeException(Reason.CORRUPT_GZIP, where + ": corrupt gzip: compression method "
                    + (gz[at + 2] & 0xFF) + " is not deflate (8)");
        }
        int flags = gz[at + 3] & 0xFF;
        if ((flags & 0xE0) != 0) {
            throw new DeepMergeException(Reason.CORRUPT_GZIP, where + ": corrupt gzip: reserved header flags set");
        }
        int p = at + 10;
        if ((flags & 4) != 0) { // FEXTRA
            if (p + 2 > gz.length) {
                throw new DeepMergeException(Reason.CORRUPT_GZIP, truncated);
            }
            p += 2 + ((gz[p] & 0xFF) | (gz[p + 1] & 0xFF) << 8);
        }
        for (int zeroTerminated : new int[] {8, 16}) { // FNAME, FCOMMENT
            if ((flags & zeroTerminated) != 0) {
                while (p < gz.length && gz[p] != 0) {
                    p++;
                }
                p++;
            }
        }
        if ((flags & 2) != 0) { // FHCRC
            p += 2;
        }
        if (p >= gz.length) {
            throw new DeepMergeException(Reason.CORRUPT_GZIP, truncated);
        }
        return p;
    }

    /** A header found at some offset, with its checked sizes. */
    private static final class Hdu {
        final Header header;
        final long dataOffset;
        final long dataBytes;
        final long[] axes;

        Hdu(Header header, long dataOffset, long dataBytes, long[] axes) {
            this.header = header;
            this.dataOffset = dataOffset;
            this.dataBytes = dataBytes;
            this.axes = axes;
        }
    }

    /**
     * Walks the HDUs through one nom-tam-fits stream (as {@code Fits} itself does): each header is located (END card)
     * and its sizes checked before nom-tam-fits reads it, data of HDUs that are not the image are skipped.
     */
    private Stamp parseFits(byte[] fits, double defaultScale, String where) throws DeepMergeException {
        // a one-block stream buffer: nom-tam-fits' decoder reads large spans straight from the byte array
        FitsInputStream in = new FitsInputStream(new ByteArrayInputStream(fits), BLOCK);
        long pos = 0;
        for (int index = 0; index < MAX_HDUS && pos < fits.length; index++) {
            Hdu hdu = readHeader(in, fits, pos, index, where);
            boolean isImage = index == 0 || "IMAGE".equals(hdu.header.getStringValue("XTENSION", "").trim());
            boolean hasData = hdu.axes.length > 0;
            for (long axis : hdu.axes) {
                hasData &= axis > 0;
            }
            if (isImage && hasData) {
                return readImage(in, hdu, index, defaultScale, where);
            }
            long padded = (hdu.dataBytes + BLOCK - 1) / BLOCK * BLOCK;
            pos = hdu.dataOffset + padded;
            try {
                in.skipAllBytes(Math.min(padded, fits.length - hdu.dataOffset));
            } catch (IOException e) {
                throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": cannot skip the data of HDU " + index + ": " + e, e);
            }
        }
        throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": no image HDU with data (primary is empty and"
                + " no IMAGE extension follows)");
    }

    private Hdu readHeader(FitsInputStream in, byte[] fits, long start, int index, String where) throws DeepMergeException {
        String hduName = "HDU " + index;
        long end = findEnd(fits, start, hduName, where);
        if (end < 0) {
            boolean tooLong = fits.length - start > (long) MAX_HEADER_BLOCKS * BLOCK;
            throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": " + (tooLong
                    ? "header of " + hduName + " has no END card in its first " + MAX_HEADER_BLOCKS + " blocks"
                    : "truncated FITS: header of " + hduName + " has no END card"));
        }
        Header header;
        try {
            header = Header.readHeader(in);
        } catch (IOException | RuntimeException e) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": unreadable header of " + hduName + ": " + e, e);
        }
        if (header == null) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": empty header of " + hduName);
        }
        if (index == 0) {
            HeaderCard simple = header.findCard("SIMPLE");
            String value = simple == null || simple.getValue() == null ? "" : simple.getValue().trim();
            if (!value.equals("T")) {
                throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": " + hduName + " has SIMPLE = '" + value
                        + "': the file does not declare that it conforms to the FITS standard (SIMPLE = T)");
            }
        }
        long bitpix = integerKey(header, "BITPIX", 0, hduName, where);
        if (bitpix != 8 && bitpix != 16 && bitpix != 32 && bitpix != 64 && bitpix != -32 && bitpix != -64) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": " + hduName + " has invalid BITPIX " + bitpix);
        }
        long naxisValue = integerKey(header, "NAXIS", -1, hduName, where);
        if (naxisValue < 0 || naxisValue > 999) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": " + hduName + " has invalid NAXIS " + naxisValue);
        }
        int naxis = (int) naxisValue;
        long[] axes = new long[naxis];
        boolean randomGroups = index == 0 && naxis > 0 && integerKey(header, "NAXIS1", -1, hduName, where) == 0;
        long count = naxis == 0 ? 0 : 1;
        for (int i = 0; i < naxis; i++) {
            String key = "NAXIS" + (i + 1);
            long n = integerKey(header, key, -1, hduName, where);
            if (n < 0) {
                throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": " + hduName + " has "
                        + (header.containsKey(key) ? "negative " : "no ") + key);
            }
            if (n > limits.maxAxisLength()) {
                throw new DeepMergeException(Reason.STAMP_TOO_LARGE, where + ": " + hduName + " declares " + key + " = "
                        + n + ", above the limit of " + limits.maxAxisLength() + " px");
            }
            axes[i] = n;
            if (!(randomGroups && i == 0)) {
                count = n == 0 ? 0 : count > Long.MAX_VALUE / n ? Long.MAX_VALUE : count * n;
                if (count > limits.maxDecompressedBytes()) {
                    throw new DeepMergeException(Reason.STAMP_TOO_LARGE, where + ": " + hduName + " declares "
                            + shape(Arrays.copyOf(axes, i + 1)) + " = more than " + limits.maxDecompressedBytes()
                            + " pixels (limit is that many bytes)");
                }
            }
        }
        long pcount = integerKey(header, "PCOUNT", 0, hduName, where);
        long gcount = integerKey(header, "GCOUNT", 1, hduName, where);
        if (pcount < 0 || gcount < 0 || pcount > limits.maxDecompressedBytes() || gcount > limits.maxDecompressedBytes()) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": " + hduName + " has PCOUNT " + pcount
                    + ", GCOUNT " + gcount);
        }
        long dataBytes;
        try {
            dataBytes = count == 0 && pcount == 0 ? 0
                    : Math.multiplyExact(Math.multiplyExact((long) Math.abs(bitpix) / 8, gcount), pcount + count);
        } catch (ArithmeticException e) {
            dataBytes = Long.MAX_VALUE;
        }
        if (dataBytes > limits.maxDecompressedBytes()) {
            throw new DeepMergeException(Reason.STAMP_TOO_LARGE, where + ": " + hduName + " declares "
                    + shape(axes) + " BITPIX " + bitpix + " = " + dataBytes + " data bytes, above the limit of "
                    + limits.maxDecompressedBytes() + " bytes");
        }
        if (end + dataBytes > fits.length) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": truncated FITS: " + hduName + " declares "
                    + dataBytes + " data bytes (" + shape(axes) + ", BITPIX " + bitpix + ") but only "
                    + (fits.length - end) + " follow its header");
        }
        return new Hdu(header, end, dataBytes, axes);
    }

    /**
     * @return offset just after the padded header block holding the END card, or -1 when the bytes end (or the
     *         header-length limit is reached) first
     * @throws DeepMergeException CORRUPT_FITS when a card before the END card is not header text (a byte outside
     *                            ASCII 0x20-0x7E, FITS Standard 4.0 section 4.1.1: the scan has run into data) or
     *                            starts another HDU (XTENSION): the header's END card is missing, and reading on
     *                            would take the next HDU's header (a Rubin stamp's UNCERT) for this one
     */
    private static long findEnd(byte[] fits, long start, String hduName, String where) throws DeepMergeException {
        long limit = Math.min(fits.length, start + (long) MAX_HEADER_BLOCKS * BLOCK);
        for (long p = start; p + CARD <= limit; p += CARD) {
            int i = (int) p;
            if (fits[i] == 'E' && fits[i + 1] == 'N' && fits[i + 2] == 'D' && blank(fits, i + 3, i + 8)) {
                long afterCard = p + CARD;
                long blockEnd = start + ((afterCard - start + BLOCK - 1) / BLOCK) * BLOCK;
                return Math.min(blockEnd, fits.length);
            }
            for (int k = i; k < i + CARD; k++) {
                if (fits[k] < 0x20 || fits[k] > 0x7E) {
                    throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": header of " + hduName
                            + " has no END card: byte 0x" + String.format(Locale.ROOT, "%02X", fits[k] & 0xFF)
                            + " at offset " + k + " is not header text (data reached before END)");
                }
            }
            if (p > start && startsWith(fits, i, "XTENSION") || p > start && startsWith(fits, i, "SIMPLE  ")) {
                throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": header of " + hduName
                        + " has no END card: the header of the next HDU starts at offset " + p);
            }
        }
        return -1;
    }

    private static boolean blank(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != ' ') {
                return false;
            }
        }
        return true;
    }

    private Stamp readImage(FitsInputStream in, Hdu hdu, int index, double defaultScale, String where)
            throws DeepMergeException {
        long[] axes = hdu.axes;
        if (axes.length < 2) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, where + ": HDU " + index + " is " + axes.length
                    + "-D (" + shape(axes) + "); a stamp must be a 2-D image");
        }
        for (int i = 2; i < axes.length; i++) {
            if (axes[i] != 1) {
                throw new DeepMergeException(Reason.WRONG_SHAPE, where + ": HDU " + index + " is a " + axes.length
                        + "-D cube " + shape(axes) + "; a stamp must be a 2-D image (NAXIS" + (i + 1) + " = " + axes[i] + ")");
            }
        }
        Header h = hdu.header;
        if (h.getLongValue("GCOUNT", 1) != 1 || h.getLongValue("PCOUNT", 0) != 0) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, where + ": HDU " + index
                    + " uses random groups / PCOUNT; not a plain image");
        }
        int width = (int) axes[0];
        int height = (int) axes[1];
        Object kernel;
        try {
            ImageData data = new ImageData(h);
            try {
                data.read(in);
            } catch (PaddingException e) {
                // the data are complete; only the 2880-byte padding after them is cut short (common, harmless)
            }
            kernel = data.getKernel();
        } catch (RuntimeException e) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": cannot read image data of HDU " + index
                    + ": " + e, e);
        }
        // a 2-D image is an array of rows (no reflection: java.lang.reflect.Array.get is a native call per row);
        // extra axes of length 1 wrap it in arrays of one element
        while (kernel instanceof Object[] k && k.length == 1 && k[0] instanceof Object[] inner
                && inner.getClass().getComponentType().isArray()) {
            kernel = inner;
        }
        if (!(kernel instanceof Object[] rows) || rows.length != height) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": image data of HDU " + index
                    + " does not match its declared shape " + shape(axes));
        }
        float[] pixels = new float[width * height];
        int bitpix = h.getIntValue("BITPIX", 0);
        String hduName = "HDU " + index;
        double bscale = realKey(h, "BSCALE", 1.0, hduName, where);
        if (bscale == 0) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": " + hduName
                    + " has BSCALE = 0: every pixel would be BZERO");
        }
        double bzero = realKey(h, "BZERO", 0.0, hduName, where);
        boolean hasBlank = bitpix > 0 && h.containsKey("BLANK");
        long blank = hasBlank ? integerKey(h, "BLANK", 0, hduName, where) : 0;
        for (int y = 0; y < height; y++) {
            convertRow(rows[y], pixels, y * width, width, bscale, bzero, hasBlank, blank);
        }
        int replaced = replaceNonFinite(pixels);
        if (replaced == pixels.length) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": all " + pixels.length + " pixels of the "
                    + shape(axes) + " image are NaN, Inf or BLANK");
        }
        return new Stamp(width, height, pixels, pixelScale(h, defaultScale), replaced);
    }

    private static void convertRow(Object row, float[] out, int offset, int width, double bscale, double bzero,
                                   boolean hasBlank, long blank) {
        boolean identity = bscale == 1.0 && bzero == 0.0;
        if (row instanceof float[]) {
            float[] r = (float[]) row;
            for (int x = 0; x < width; x++) {
                out[offset + x] = identity ? r[x] : (float) (bzero + bscale * r[x]);
            }
        } else if (row instanceof double[]) {
            double[] r = (double[]) row;
            for (int x = 0; x < width; x++) {
                out[offset + x] = (float) (bzero + bscale * r[x]);
            }
        } else if (row instanceof short[]) {
            short[] r = (short[]) row;
            for (int x = 0; x < width; x++) {
                out[offset + x] = hasBlank && r[x] == blank ? Float.NaN : (float) (bzero + bscale * r[x]);
            }
        } else if (row instanceof int[]) {
            int[] r = (int[]) row;
            for (int x = 0; x < width; x++) {
                out[offset + x] = hasBlank && r[x] == blank ? Float.NaN : (float) (bzero + bscale * r[x]);
            }
        } else if (row instanceof long[]) {
            long[] r = (long[]) row;
            for (int x = 0; x < width; x++) {
                out[offset + x] = hasBlank && r[x] == blank ? Float.NaN : (float) (bzero + bscale * r[x]);
            }
        } else if (row instanceof byte[]) {
            byte[] r = (byte[]) row;
            for (int x = 0; x < width; x++) {
                int u = r[x] & 0xFF;
                out[offset + x] = hasBlank && u == blank ? Float.NaN : (float) (bzero + bscale * u);
            }
        } else {
            throw new IllegalStateException("unexpected FITS row type " + row.getClass());
        }
    }

    /** Replaces NaN/Inf by the median of the finite pixels; returns how many were replaced. */
    static int replaceNonFinite(float[] pixels) {
        int bad = 0;
        for (float v : pixels) {
            if (!Float.isFinite(v)) {
                bad++;
            }
        }
        if (bad == 0 || bad == pixels.length) {
            return bad;
        }
        float[] finite = new float[pixels.length - bad];
        int j = 0;
        for (float v : pixels) {
            if (Float.isFinite(v)) {
                finite[j++] = v;
            }
        }
        int n = finite.length;
        float upper = select(finite, n / 2);
        // after select, finite[0 .. n/2) holds the n/2 smallest values, so the lower middle is their maximum
        float median = upper;
        if (n % 2 == 0) {
            float lower = finite[0];
            for (int i = 1; i < n / 2; i++) {
                lower = Math.max(lower, finite[i]);
            }
            median = (float) ((lower + (double) upper) / 2);
        }
        for (int i = 0; i < pixels.length; i++) {
            if (!Float.isFinite(pixels[i])) {
                pixels[i] = median;
            }
        }
        return bad;
    }

    /**
     * Quickselect (Hoare partition, median-of-three pivot): the k-th smallest value, O(n) on average instead of
     * the O(n log n) of a sort. Reorders {@code a} so that {@code a[0..k)} are all &lt;= {@code a[k]}.
     */
    static float select(float[] a, int k) {
        int lo = 0;
        int hi = a.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < a[lo]) {
                swap(a, mid, lo);
            }
            if (a[hi] < a[lo]) {
                swap(a, hi, lo);
            }
            if (a[hi] < a[mid]) {
                swap(a, hi, mid);
            }
            float pivot = a[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    swap(a, i++, j--);
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return a[k];
            }
        }
        return a[k];
    }

    private static void swap(float[] a, int i, int j) {
        float t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    /**
     * Pixel scale from a FITS WCS, arcsec/px: sqrt(|det M|) with M the CD matrix, or PC * diag(CDELT), converted
     * from CUNIT (default deg). CDELT alone counts only with a celestial CTYPE (RA/DEC, GLON/GLAT, ELON/ELAT).
     *
     * @param h            a FITS header
     * @param defaultScale returned when the header has no usable WCS, arcsec/px
     * @return arcsec/px
     */
    static double pixelScale(Header h, double defaultScale) {
        boolean hasCd = h.containsKey("CD1_1") || h.containsKey("CD1_2") || h.containsKey("CD2_1") || h.containsKey("CD2_2");
        boolean hasPc = h.containsKey("PC1_1") || h.containsKey("PC1_2") || h.containsKey("PC2_1") || h.containsKey("PC2_2");
        boolean hasCdelt = h.containsKey("CDELT1") && h.containsKey("CDELT2");
        String ctype = h.getStringValue("CTYPE1", "").toUpperCase(Locale.ROOT);
        boolean celestial = ctype.startsWith("RA") || ctype.startsWith("DEC") || ctype.startsWith("GLON")
                || ctype.startsWith("GLAT") || ctype.startsWith("ELON") || ctype.startsWith("ELAT");
        double a11;
        double a12;
        double a21;
        double a22;
        if (hasCd) {
            a11 = h.getDoubleValue("CD1_1", 0);
            a12 = h.getDoubleValue("CD1_2", 0);
            a21 = h.getDoubleValue("CD2_1", 0);
            a22 = h.getDoubleValue("CD2_2", 0);
        } else if (hasPc || (hasCdelt && celestial)) {
            double c1 = h.getDoubleValue("CDELT1", 1);
            double c2 = h.getDoubleValue("CDELT2", 1);
            a11 = c1 * h.getDoubleValue("PC1_1", 1);
            a12 = c1 * h.getDoubleValue("PC1_2", 0);
            a21 = c2 * h.getDoubleValue("PC2_1", 0);
            a22 = c2 * h.getDoubleValue("PC2_2", 1);
        } else {
            return defaultScale;
        }
        double unit = unitToArcsec(h.getStringValue("CUNIT1", "deg"));
        double scale = Math.sqrt(Math.abs(a11 * a22 - a12 * a21)) * unit;
        return Double.isFinite(scale) && scale > 0 && scale < 3600 ? scale : defaultScale;
    }

    private static double unitToArcsec(String cunit) {
        switch (cunit.trim().toLowerCase(Locale.ROOT)) {
            case "arcsec":
                return 1;
            case "arcmin":
                return 60;
            case "mas":
                return 1e-3;
            case "rad":
                return 180 / Math.PI * 3600;
            default:
                return 3600;
        }
    }

    private static String shape(long[] axes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < axes.length; i++) {
            sb.append(i == 0 ? "" : "x").append(axes[i]);
        }
        return axes.length == 0 ? "no axes" : sb.toString();
    }

    private static boolean startsWith(byte[] b, String ascii) {
        return startsWith(b, 0, ascii);
    }

    private static boolean startsWith(byte[] b, int at, String ascii) {
        byte[] p = ascii.getBytes(StandardCharsets.US_ASCII);
        if (b.length - at < p.length) {
            return false;
        }
        for (int i = 0; i < p.length; i++) {
            if (b[at + i] != p[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * A mandatory or structural integer keyword, parsed strictly (FITS Standard 4.0 section 4.2.3: an integer is
     * optional sign and digits only), so that {@code NAXIS1 = 63.5} is not read as 63.
     *
     * @return the value, or {@code absent} when the header has no such keyword
     * @throws DeepMergeException CORRUPT_FITS naming the keyword and its text when the value is not an integer
     */
    private static long integerKey(Header h, String key, long absent, String hduName, String where)
            throws DeepMergeException {
        HeaderCard card = h.findCard(key);
        if (card == null) {
            return absent;
        }
        String text = card.getValue() == null ? "" : card.getValue().trim();
        try {
            return Long.parseLong(text.startsWith("+") ? text.substring(1) : text);
        } catch (NumberFormatException e) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": " + hduName + " has " + key + " = '" + text
                    + "', not an integer");
        }
    }

    /**
     * A real-valued keyword (BSCALE, BZERO), parsed strictly: a FITS real with E or D exponent, finite.
     *
     * @return the value, or {@code absent} when the header has no such keyword
     * @throws DeepMergeException CORRUPT_FITS naming the keyword and its text when the value is not a finite number
     */
    private static double realKey(Header h, String key, double absent, String hduName, String where)
            throws DeepMergeException {
        HeaderCard card = h.findCard(key);
        if (card == null) {
            return absent;
        }
        String text = card.getValue() == null ? "" : card.getValue().trim();
        double v;
        try {
            if (!text.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([EeDd][+-]?\\d+)?")) {
                throw new NumberFormatException(text);
            }
            v = Double.parseDouble(text.replace('D', 'E').replace('d', 'e'));
        } catch (NumberFormatException e) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": " + hduName + " has " + key + " = '" + text
                    + "', not a number");
        }
        if (!Double.isFinite(v)) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, where + ": " + hduName + " has " + key + " = " + text
                    + ", not finite");
        }
        return v;
    }
}
