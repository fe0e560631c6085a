package org.deepmerge.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import org.deepmerge.core.DeepMergeException;
import org.junit.jupiter.api.Test;

class RotationResidualTest {

    @Test
    void residualOfTheChannelMeanByHand() throws Exception {
        // 2 channels, 2x3: grey = mean of the channels; rot180 maps (y, x) to (1 - y, 2 - x)
        float[] img = {1, 2, 3, 4, 5, 6, /* channel 2 */ 3, 2, 1, 0, 1, 2};
        ImageDataset d = new ImageDataset(img, new int[] {1}, List.of("g", "r"), 2, 3, List.of("a"), "test");
        ImageDataset r = RotationResidual.append(d);
        assertEquals(List.of("g", "r", RotationResidual.CHANNEL), r.channelNames());
        float[] grey = {2, 2, 2, 2, 3, 4};
        float[] expected = new float[6];
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                expected[y * 3 + x] = Math.abs(grey[y * 3 + x] - grey[(1 - y) * 3 + (2 - x)]);
            }
        }
        float[] out = r.gather(new int[] {0});
        assertArrayEquals(java.util.Arrays.copyOf(img, 12), java.util.Arrays.copyOf(out, 12), "survey channels kept");
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(out, 12, 18));
        assertThrows(DeepMergeException.class, () -> RotationResidual.append(r));
    }

    @Test
    void commutesWithEveryDeepMergeAugmentation() throws Exception {
        int c = 3;
        int n = 9;
        float[] img = new float[c * n * n];
        Random random = new Random(3);
        for (int i = 0; i < img.length; i++) {
            img[i] = random.nextFloat();
        }
        ImageDataset d = new ImageDataset(img, new int[] {0}, List.of("g", "r", "i"), n, n, null, "test");
        ImageDataset withResidual = RotationResidual.append(d);
        for (Augmentation a : Augmentation.values()) {
            float[] augmented = new float[img.length];
            a.apply(img, 0, c, n, n, augmented, 0);
            float[] residualOfAugmented = RotationResidual.append(
                    new ImageDataset(augmented, new int[] {0}, List.of("g", "r", "i"), n, n, null, "t")).gather(new int[] {0});
            float[] augmentedWithResidual = new float[(c + 1) * n * n];
            a.apply(withResidual.pixels(), 0, c + 1, n, n, augmentedWithResidual, 0);
            assertArrayEquals(residualOfAugmented, augmentedWithResidual, 1e-6f, a.name());
        }
    }
}
