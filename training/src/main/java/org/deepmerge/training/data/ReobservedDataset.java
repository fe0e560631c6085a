package org.deepmerge.training.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.preprocess.Preprocessor;

/**
 * A labelled image folder re-observed as survey stamps ({@link Reobserver}) and preprocessed by the serving
 * {@link Preprocessor} for a model contract: rows are model inputs {@code [N,C,H,W]} float32, already normalised
 * per the contract (so the trainer must not normalise them again).
 *
 * <p>The split is made on galaxies, not rows: {@link Split#stratified} over the folder's labels (the same split
 * every image-folder run with that seed uses), then each training galaxy contributes {@code trainCopies} independent
 * re-observations and each validation and test galaxy {@code evalCopies}, so no galaxy is in two parts. Optionally a
 * share of extra non-merger rows without a galaxy ({@link Reobserver#blankOrStars}) is added to the training and
 * validation parts (never to the test part, which stays the galaxies' own).
 */
public final class ReobservedDataset {

    /**
     * @param data  the rows (ids {@code <galaxy id>#<copy>})
     * @param split the row-level split
     */
    public record Result(ImageDataset data, Split split) {
    }

    private ReobservedDataset() {
    }

    /**
     * @param dir            image folder (labels.csv + images/), gri JPEG composites
     * @param options        id/label columns and row limit of the folder
     * @param contract       the model contract the rows are preprocessed for (C must be 1)
     * @param reobserver     the survey re-observation
     * @param trainCopies    re-observations per training galaxy, &gt;= 1
     * @param evalCopies     re-observations per validation and test galaxy, &gt;= 1
     * @param trainFraction  galaxy split: training fraction
     * @param valFraction    galaxy split: validation fraction
     * @param splitSeed      galaxy split seed
     * @param seed           re-observation seed (row r of galaxy g uses {@code seed * 1_000_003 + g * 1_009 + r})
     * @return rows and split
     * @throws DeepMergeException IO_ERROR, WRONG_SHAPE from reading the folder; WRONG_SHAPE when C != 1
     */
    public static Result build(Path dir, ImageFolderReader.Options options, ModelContract contract, Reobserver reobserver,
                               int trainCopies, int evalCopies, double trainFraction, double valFraction, long splitSeed,
                               long seed) throws DeepMergeException {
        return build(dir, options, contract, reobserver, trainCopies, evalCopies, trainFraction, valFraction, splitSeed,
                seed, 0);
    }

    /**
     * As {@link #build(Path, ImageFolderReader.Options, ModelContract, Reobserver, int, int, double, double, long, long)}
     * with galaxy-free negatives.
     *
     * @param negatives extra blank-sky/star-field non-merger rows, as a fraction of the training (and validation) rows,
     *                  in [0, 1]
     */
    public static Result build(Path dir, ImageFolderReader.Options options, ModelContract contract, Reobserver reobserver,
                               int trainCopies, int evalCopies, double trainFraction, double valFraction, long splitSeed,
                               long seed, double negatives) throws DeepMergeException {
        if (contract.channelCount() != 1) {
            throw new DeepMergeException(DeepMergeException.Reason.WRONG_SHAPE, "re-observed stamps are single-band; the"
                    + " contract has channels " + contract.channels());
        }
        if (trainCopies < 1 || evalCopies < 1) {
            throw new IllegalArgumentException("copies must be >= 1, got " + trainCopies + "/" + evalCopies);
        }
        List<ImageFolderReader.Entry> entries = ImageFolderReader.entries(dir, options);
        int[] galaxyLabels = entries.stream().mapToInt(ImageFolderReader.Entry::label).toArray();
        Split galaxies = Split.stratified(galaxyLabels, trainFraction, valFraction, splitSeed);
        int[] copies = new int[entries.size()];
        java.util.Arrays.fill(copies, evalCopies);
        for (int g : galaxies.train()) {
            copies[g] = trainCopies;
        }
        int[] firstRow = new int[entries.size() + 1];
        for (int g = 0; g < entries.size(); g++) {
            firstRow[g + 1] = firstRow[g] + copies[g];
        }
        int galaxyRows = firstRow[entries.size()];
        int trainNeg = (int) Math.round(negatives * galaxies.train().length * trainCopies);
        int valNeg = (int) Math.round(negatives * galaxies.validation().length * evalCopies);
        int rows = galaxyRows + trainNeg + valNeg;
        int size = contract.imageSize();
        float[] images = new float[Math.multiplyExact(rows, size)];
        int[] labels = new int[rows];
        String[] ids = new String[rows];
        Preprocessor pre = new Preprocessor(contract);
        AtomicReference<DeepMergeException> failure = new AtomicReference<>();
        IntStream.range(0, entries.size()).parallel().forEach(g -> {
            if (failure.get() != null) {
                return;
            }
            try {
                List<Stamp> gri = ImageFolderReader.load(entries.get(g).file(), ImageFolderReader.Colour.GRI);
                for (int c = 0; c < copies[g]; c++) {
                    int row = firstRow[g] + c;
                    Random rng = new Random(seed * 1_000_003L + g * 1_009L + c);
                    pre.toTensor(List.of(reobserver.reobserve(gri, rng)), images, row * size);
                    labels[row] = entries.get(g).label();
                    ids[row] = entries.get(g).id() + "#" + c;
                }
            } catch (DeepMergeException e) {
                failure.compareAndSet(null, e);
            }
        });
        if (failure.get() != null) {
            throw failure.get();
        }
        for (int k = 0; k < trainNeg + valNeg; k++) {
            int row = galaxyRows + k;
            Random rng = new Random(seed * 1_000_003L - 1_000_000L - k);
            pre.toTensor(List.of(reobserver.blankOrStars(rng)), images, row * size);
            labels[row] = 0;
            ids[row] = (k < trainNeg ? "negative-train#" : "negative-val#") + k;
        }
        ImageDataset data = new ImageDataset(images, labels, contract.channels(), contract.height(), contract.width(),
                List.of(ids), dir + " re-observed as " + reobserver.survey().name());
        int[] train = concat(rows(galaxies.train(), firstRow), range(galaxyRows, galaxyRows + trainNeg));
        int[] val = concat(rows(galaxies.validation(), firstRow), range(galaxyRows + trainNeg, rows));
        return new Result(data, new Split(train, val, rows(galaxies.test(), firstRow)));
    }

    private static int[] range(int from, int to) {
        return IntStream.range(from, to).toArray();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int[] rows(int[] galaxies, int[] firstRow) {
        List<Integer> out = new ArrayList<>();
        for (int g : galaxies) {
            for (int r = firstRow[g]; r < firstRow[g + 1]; r++) {
                out.add(r);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
