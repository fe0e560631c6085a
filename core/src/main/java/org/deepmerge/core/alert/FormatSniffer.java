package org.deepmerge.core.alert;

/**
 * Names what a byte sequence looks like from its first bytes ("file magic"), for error messages such as
 * "starts with FF D8 FF E0 (JPEG?)". Signatures from the respective format specifications.
 */
public final class FormatSniffer {
    private FormatSniffer() {
    }

    /**
     * @param b bytes, may be null
     * @return the likely file type: FITS, gzip, JPEG, PNG, GIF, TIFF, PDF, ZIP, bzip2, xz, zstd, Avro container,
     *         or null when unknown
     */
    public static String guessType(byte[] b) {
        if (b == null || b.length < 2) {
            return null;
        }
        if (starts(b, "SIMPLE")) {
            return "FITS";
        }
        int b0 = b[0] & 0xFF;
        int b1 = b[1] & 0xFF;
        if (b0 == 0x1F && b1 == 0x8B) {
            return "gzip";
        }
        if (b0 == 0xFF && b1 == 0xD8) {
            return "JPEG";
        }
        if (b0 == 0x89 && starts(b, 1, "PNG")) {
            return "PNG";
        }
        if (starts(b, "GIF8")) {
            return "GIF";
        }
        if (starts(b, "II*\0") || starts(b, "MM\0*")) {
            return "TIFF";
        }
        if (starts(b, "%PDF")) {
            return "PDF";
        }
        if (starts(b, "PK\3\4")) {
            return "ZIP";
        }
        if (starts(b, "BZh")) {
            return "bzip2";
        }
        if (b0 == 0xFD && starts(b, 1, "7zXZ")) {
            return "xz";
        }
        if (b0 == 0x28 && b1 == 0xB5 && b.length > 3 && (b[2] & 0xFF) == 0x2F && (b[3] & 0xFF) == 0xFD) {
            return "zstd";
        }
        if (starts(b, "Obj\1")) {
            return "Avro container";
        }
        return null;
    }

    /**
     * @param b bytes, may be null
     * @return e.g. {@code "starting with FF D8 FF E0 (JPEG?)"} or {@code "starting with 12 34 56 78"}
     */
    public static String describe(byte[] b) {
        if (b == null || b.length == 0) {
            return "(empty)";
        }
        StringBuilder sb = new StringBuilder("starting with");
        for (int i = 0; i < Math.min(8, b.length); i++) {
            sb.append(String.format(" %02X", b[i] & 0xFF));
        }
        String type = guessType(b);
        if (type != null) {
            sb.append(" (").append(type).append("?)");
        }
        return sb.toString();
    }

    private static boolean starts(byte[] b, String ascii) {
        return starts(b, 0, ascii);
    }

    private static boolean starts(byte[] b, int offset, String ascii) {
        if (b.length < offset + ascii.length()) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (b[offset + i] != (byte) ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
