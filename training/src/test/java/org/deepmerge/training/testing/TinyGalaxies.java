package org.deepmerge.training.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deepmerge.training.data.ImageDataset;

/**
 * Small generated datasets for fast training tests: every image has a central Gaussian galaxy; a merger has a
 * second galaxy at a random offset; Gaussian noise on top. Mergers come first, as in the HLSP files.
 */
public final class TinyGalaxies {
    private TinyGalaxies() {
    }

    public static ImageDataset make(int n, int mergers, int channels, int size, long seed) throws Exception {
        Random rng = new Random(seed);
        float[] px = new float[n * channels * size * size];
        int[] labels = new int[n];
        double c = (size - 1) / 2.0;
        for (int i = 0; i < n; i++) {
            labels[i] = i < mergers ? 1 : 0;
            double ang = rng.nextDouble() * 2 * Math.PI;
            double ox = c + Math.cos(ang) * size / 4.0;
            double oy = c + Math.sin(ang) * size / 4.0;
            for (int ch = 0; ch < channels; ch++) {
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        double v = Math.exp(-((x - c) * (x - c) + (y - c) * (y - c)) / (2 * 2.0 * 2.0));
                        if (labels[i] == 1) {
                            v += 0.8 * Math.exp(-((x - ox) * (x - ox) + (y - oy) * (y - oy)) / (2 * 1.5 * 1.5));
                        }
                        px[((i * channels + ch) * size + y) * size + x] = (float) (v + 0.05 * rng.nextGaussian());
                    }
                }
            }
        }
        List<String> names = new ArrayList<>();
        for (int ch = 0; ch < channels; ch++) {
            names.add("b" + ch);
        }
        return new ImageDataset(px, labels, names, size, size, null, "tiny-galaxies-" + seed);
    }
}
