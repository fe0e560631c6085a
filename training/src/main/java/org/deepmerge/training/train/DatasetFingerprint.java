package org.deepmerge.training.train;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import org.deepmerge.core.io.Sha256;
import org.deepmerge.training.data.ImageDataset;

/** SHA-256 over a dataset's shape, channel names, labels and float32 pixels (little-endian): its identity. */
public final class DatasetFingerprint {
    private DatasetFingerprint() {
    }

    /**
     * @param data the dataset
     * @return lower-case hex SHA-256
     */
    public static String of(ImageDataset data) {
        MessageDigest md = Sha256.digest();
        md.update((data.size() + "x" + data.channels() + "x" + data.height() + "x" + data.width() + ":"
                + String.join(",", data.channelNames())).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (int l : data.labels()) {
            md.update((byte) l);
        }
        float[] p = data.pixels();
        ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < p.length; k++) {
            if (buf.remaining() < 4) {
                md.update(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putFloat(p[k]);
        }
        md.update(buf.array(), 0, buf.position());
        return Sha256.hex(md);
    }
}
