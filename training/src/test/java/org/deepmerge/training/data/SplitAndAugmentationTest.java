package org.deepmerge.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.deepmerge.core.DeepMergeException;
import org.junit.jupiter.api.Test;

class SplitAndAugmentationTest {

    private static int[] labels(int pos, int neg) {
        int[] l = new int[pos + neg];
        Arrays.fill(l, 0, pos, 1);
        return l;
    }

    private static int count(int[] idx, int[] labels) {
        return (int) Arrays.stream(idx).filter(i -> labels[i] == 1).count();
    }

    @Test
    void stratifiedSplitIsDisjointCompleteSeededAndKeepsTheClassRatio() throws Exception {
        int[] l = labels(90, 1410);
        Split s = Split.stratified(l, 0.7, 0.1, 42);
        assertEquals(1500, s.train().length + s.validation().length + s.test().length);
        Set<Integer> seen = new HashSet<>();
        for (int[] part : new int[][] {s.train(), s.validation(), s.test()}) {
            for (int i : part) {
                assertTrue(seen.add(i), "index " + i + " in two parts");
            }
        }
        assertEquals(63, count(s.train(), l));
        assertEquals(9, count(s.validation(), l));
        assertEquals(18, count(s.test(), l));
        assertEquals(1050, s.train().length);
        assertEquals(150, s.validation().length);
        Split again = Split.stratified(l, 0.7, 0.1, 42);
        assertArrayEquals(s.test(), again.test());
        assertFalse(Arrays.equals(s.test(), Split.stratified(l, 0.7, 0.1, 43).test()));
        assertThrows(DeepMergeException.class, () -> Split.stratified(l, 0.9, 0.2, 1));
    }

    @Test
    void labelBudgetIsStratifiedWithAtLeastOneMerger() {
        int[] l = labels(63, 987);
        int[] idx = java.util.stream.IntStream.range(0, l.length).toArray();
        int[] b = Split.labelBudget(idx, l, 100, 7);
        assertEquals(100, b.length);
        assertEquals(6, count(b, l));
        assertEquals(100, Arrays.stream(b).distinct().count());
        assertEquals(1, count(Split.labelBudget(idx, l, 5, 7), l));
        assertEquals(l.length, Split.labelBudget(idx, l, 5000, 7).length);
    }

    @Test
    void augmentationsFollowNumpySemantics() {
        float[] img = {1, 2, 3, 4, 10, 20, 30, 40};
        float[] out = new float[8];
        Augmentation.FLIP_UD.apply(img, 0, 2, 2, 2, out, 0);
        assertArrayEquals(new float[] {3, 4, 1, 2, 30, 40, 10, 20}, out);
        Augmentation.FLIP_LR.apply(img, 0, 2, 2, 2, out, 0);
        assertArrayEquals(new float[] {2, 1, 4, 3, 20, 10, 40, 30}, out);
        Augmentation.ROT90.apply(img, 0, 2, 2, 2, out, 0);
        assertArrayEquals(new float[] {2, 4, 1, 3, 20, 40, 10, 30}, out, "np.rot90([[1,2],[3,4]]) = [[2,4],[1,3]]");
        Augmentation.ROT180.apply(img, 0, 2, 2, 2, out, 0);
        assertArrayEquals(new float[] {4, 3, 2, 1, 40, 30, 20, 10}, out);
        Augmentation.ORIGINAL.apply(img, 4, 1, 2, 2, out, 0);
        assertArrayEquals(new float[] {10, 20, 30, 40}, Arrays.copyOf(out, 4));
        float[] rect = {1, 2, 3, 4, 5, 6};
        assertThrows(IllegalArgumentException.class, () -> Augmentation.ROT90.apply(rect, 0, 1, 2, 3, new float[6], 0));
        Augmentation.FLIP_LR.apply(rect, 0, 1, 2, 3, out, 0);
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4}, Arrays.copyOf(out, 6));
    }

    @Test
    void minorityIsAugmentedFiveTimesAndClassWeightsBalance() {
        int[] l = labels(3, 10);
        int[] idx = java.util.stream.IntStream.range(0, l.length).toArray();
        TrainingSamples s = TrainingSamples.augmentMinority(idx, l);
        assertEquals(10 + 15, s.size());
        assertEquals(15, s.positives(l));
        int[] perAug = new int[5];
        for (int k = 0; k < s.size(); k++) {
            if (l[s.index()[k]] == 1) {
                perAug[s.augmentation()[k]]++;
            } else {
                assertEquals(0, s.augmentation()[k], "majority class is never augmented");
            }
        }
        assertArrayEquals(new int[] {3, 3, 3, 3, 3}, perAug);
        double[] w = TrainingSamples.plain(idx).balancedClassWeights(l);
        assertEquals(13 / 20.0, w[0], 1e-12);
        assertEquals(13 / 6.0, w[1], 1e-12);
        assertEquals(10 * w[0], 3 * w[1], 1e-9, "both classes carry equal total weight");
        TrainingSamples sh = s.shuffled(3);
        assertEquals(s.positives(l), sh.positives(l));
        assertFalse(Arrays.equals(s.index(), sh.index()));
    }

    @Test
    void splitDescribesItsPartSizesNotItsArrays() {
        assertEquals("2 training, 1 validation, 0 test rows", new Split(new int[] {0, 1}, new int[] {2}, new int[0]).toString());
    }
}
