package org.deepmerge.core.fits;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Test helper: writes FITS files byte by byte (FITS Standard 4.0), including ones that lie about their size. */
final class FitsBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final StringBuilder header = new StringBuilder();

    /** Adds a header card with an unquoted value (number or logical). */
    FitsBytes card(String key, Object value) {
        return raw(String.format("%-8s= %20s", key, value));
    }

    /** Adds a header card with a string value. */
    FitsBytes string(String key, String value) {
        return raw(String.format("%-8s= '%-8s'", key, value));
    }

    private FitsBytes raw(String card) {
        header.append(String.format("%-80s", card));
        return this;
    }

    /** Ends the current header (END card, padded to 2880). */
    FitsBytes end() {
        raw("END");
        while (header.length() % 2880 != 0) {
            header.append(' ');
        }
        out.writeBytes(header.toString().getBytes(StandardCharsets.US_ASCII));
        header.setLength(0);
        return this;
    }

    /** Appends data bytes padded with zeros to 2880. */
    FitsBytes data(byte[] data) {
        out.writeBytes(data);
        int pad = (2880 - data.length % 2880) % 2880;
        out.writeBytes(new byte[pad]);
        return this;
    }

    FitsBytes floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length);
        for (float x : v) {
            b.putFloat(x);
        }
        return data(b.array());
    }

    FitsBytes doubles(double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length);
        for (double x : v) {
            b.putDouble(x);
        }
        return data(b.array());
    }

    FitsBytes shorts(short... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length);
        for (short x : v) {
            b.putShort(x);
        }
        return data(b.array());
    }

    FitsBytes ints(int... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length);
        for (int x : v) {
            b.putInt(x);
        }
        return data(b.array());
    }

    FitsBytes longs(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length);
        for (long x : v) {
            b.putLong(x);
        }
        return data(b.array());
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** A primary header for a 2-D image. */
    static FitsBytes image(int bitpix, int width, int height) {
        return new FitsBytes().card("SIMPLE", "T").card("BITPIX", bitpix).card("NAXIS", 2)
                .card("NAXIS1", width).card("NAXIS2", height);
    }
}
