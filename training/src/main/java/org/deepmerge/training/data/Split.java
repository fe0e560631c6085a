package org.deepmerge.training.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * A train/validation/test partition of image indices.
 *
 * @param train      training indices
 * @param validation validation indices (early stopping)
 * @param test       held-out test indices
 */
public record Split(int[] train, int[] validation, int[] test) {

    /** The DeepMerge split: 70% train, 10% validation, 20% test (Ciprijanovic et al. 2020). */
    public static final double DEFAULT_TRAIN = 0.7;
    /** Validation fraction of the DeepMerge split. */
    public static final double DEFAULT_VALIDATION = 0.1;

    public Split {
        train = train.clone();
        validation = validation.clone();
        test = test.clone();
    }

    /** @return the part sizes, e.g. {@code 1050 training, 150 validation, 300 test rows} */
    @Override
    public String toString() {
        return train.length + " training, " + validation.length + " validation, " + test.length + " test rows";
    }

    /**
     * Seeded stratified split: every class is shuffled with {@code new Random(seed)} and cut at
     * {@code round(n_c * trainFraction)} and {@code round(n_c * (trainFraction + validationFraction))}, so each
     * part keeps the class ratio; each part is then shuffled. Same labels and seed give the same split.
     *
     * @param labels             N labels (0/1)
     * @param trainFraction      fraction for training, in (0,1)
     * @param validationFraction fraction for validation, in [0,1), train+validation &lt; 1
     * @param seed               RNG seed
     * @return the split
     * @throws DeepMergeException INVALID_CONFIG for fractions outside the ranges
     */
    public static Split stratified(int[] labels, double trainFraction, double validationFraction, long seed)
            throws DeepMergeException {
        if (!(trainFraction > 0 && validationFraction >= 0 && trainFraction + validationFraction < 1)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "split fractions train=" + trainFraction
                    + " validation=" + validationFraction + " must be > 0, >= 0 and sum to < 1");
        }
        Random rng = new Random(seed);
        List<Integer> tr = new ArrayList<>();
        List<Integer> va = new ArrayList<>();
        List<Integer> te = new ArrayList<>();
        for (int cls = 0; cls <= 1; cls++) {
            final int c = cls;
            int[] members = java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] == c).toArray();
            shuffle(members, rng);
            int nTrain = (int) Math.round(members.length * trainFraction);
            int nVal = (int) Math.round(members.length * (trainFraction + validationFraction)) - nTrain;
            for (int k = 0; k < members.length; k++) {
                (k < nTrain ? tr : k < nTrain + nVal ? va : te).add(members[k]);
            }
        }
        return new Split(shuffled(tr, rng), shuffled(va, rng), shuffled(te, rng));
    }

    /**
     * A stratified subset of at most {@code budget} indices (the label budget of fine-tuning, as the 100
     * labels of Perez-Carrasco et al. 2019), keeping the class ratio but at least one of each present class.
     *
     * @param indices candidate indices
     * @param labels  labels of the whole dataset, indexed by image index
     * @param budget  number of labels to keep
     * @param seed    RNG seed
     * @return the chosen indices (all of them when budget &gt;= indices.length)
     */
    public static int[] labelBudget(int[] indices, int[] labels, int budget, long seed) {
        if (budget >= indices.length) {
            return indices.clone();
        }
        Random rng = new Random(seed);
        int[] pos = Arrays.stream(indices).filter(i -> labels[i] == 1).toArray();
        int[] neg = Arrays.stream(indices).filter(i -> labels[i] == 0).toArray();
        shuffle(pos, rng);
        shuffle(neg, rng);
        int nPos = (int) Math.round((double) budget * pos.length / indices.length);
        if (pos.length > 0) {
            nPos = Math.max(1, nPos);
        }
        nPos = Math.min(nPos, pos.length);
        int nNeg = Math.min(budget - nPos, neg.length);
        int[] out = new int[nPos + nNeg];
        System.arraycopy(pos, 0, out, 0, nPos);
        System.arraycopy(neg, 0, out, nPos, nNeg);
        shuffle(out, rng);
        return out;
    }

    private static int[] shuffled(List<Integer> list, Random rng) {
        int[] a = list.stream().mapToInt(Integer::intValue).toArray();
        shuffle(a, rng);
        return a;
    }

    public static void shuffle(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /**
     * @param name test, validation, train or all (case-insensitive)
     * @param size the number of rows, for {@code all}
     * @return the indices of that part ({@code all}: 0..size-1)
     * @throws org.deepmerge.core.DeepMergeException INVALID_CONFIG for another name
     */
    public int[] part(String name, int size) throws org.deepmerge.core.DeepMergeException {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "test" -> test;
            case "validation" -> validation;
            case "train" -> train;
            case "all" -> java.util.stream.IntStream.range(0, size).toArray();
            default -> throw new org.deepmerge.core.DeepMergeException(org.deepmerge.core.DeepMergeException.Reason.INVALID_CONFIG,
                    "part '" + name + "' is not test, validation, train or all");
        };
    }
}
