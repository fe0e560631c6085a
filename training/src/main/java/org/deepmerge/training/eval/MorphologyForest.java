package org.deepmerge.training.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.training.train.Predictor;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.dtree.CARTClassificationTrainer;
import org.tribuo.classification.dtree.impurity.GiniIndex;
import org.tribuo.classification.ensemble.FullyWeightedVotingCombiner;
import org.tribuo.common.tree.RandomForestTrainer;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * A random forest (Breiman 2001, Machine Learning 45, 5) on the {@link MorphologyFeatures} of model inputs, the
 * classical baseline of the DeepMerge paper (after Snyder et al. 2019), trained with Tribuo: CART trees (Gini impurity)
 * on bootstrap samples, each split choosing among a random fraction of the features, the merger probability the mean of
 * the trees' leaf class fractions ({@link FullyWeightedVotingCombiner}, as scikit-learn's {@code predict_proba}).
 * No class weights: the probabilities refer to the training part's merger rate, as the CNN's do.
 *
 * <p>Hyper-parameters are chosen by {@link #select} on a training and a validation feature table only; the method
 * has no access to anything else, so the test part cannot influence the choice.
 */
public final class MorphologyForest implements Predictor {
    /** Label of the positive class. */
    public static final String MERGER = "merger";
    /** Label of the negative class. */
    public static final String NON_MERGER = "non-merger";
    /** Tribuo logs every bagged member at INFO; kept here so the level is not lost when the logger is collected. */
    private static final Logger TRIBUO_LOG = Logger.getLogger("org.tribuo");

    static {
        TRIBUO_LOG.setLevel(Level.WARNING);
    }

    private final Model<Label> model;
    private final MorphologyFeatures.InputView view;
    private final Params params;

    /**
     * Forest hyper-parameters.
     *
     * @param trees           number of trees, &gt;= 1
     * @param maxDepth        largest tree depth, &gt;= 1, or 0 for unlimited
     * @param featureFraction fraction of the features each split chooses among, in (0, 1) (1 would be bagging, not a
     *                        random forest; Tribuo refuses it)
     * @param minChildWeight  smallest number of training rows in a leaf, &gt; 0
     */
    public record Params(int trees, int maxDepth, float featureFraction, float minChildWeight) {
        public Params {
            if (trees < 1) {
                throw new IllegalArgumentException("trees " + trees + ": expected >= 1");
            }
            if (maxDepth < 0) {
                throw new IllegalArgumentException("max depth " + maxDepth + ": expected >= 1, or 0 for unlimited");
            }
            if (!(featureFraction > 0 && featureFraction < 1)) {
                throw new IllegalArgumentException("feature fraction " + featureFraction + ": expected strictly between 0 and 1");
            }
            if (!(minChildWeight > 0)) {
                throw new IllegalArgumentException("smallest rows per leaf " + minChildWeight + ": expected > 0");
            }
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d trees, depth %s, %.3g of the features per split, >= %.0f rows per leaf",
                    trees, maxDepth == 0 ? "unlimited" : Integer.toString(maxDepth), featureFraction, minChildWeight);
        }
    }

    /**
     * Rows of feature vectors with their labels.
     *
     * @param x one {@link MorphologyFeatures} vector per row
     * @param y labels 0/1
     */
    public record Table(double[][] x, int[] y) {
        public Table {
            if (x.length != y.length) {
                throw new IllegalArgumentException(x.length + " feature rows for " + y.length + " labels");
            }
        }
    }

    /**
     * One grid point's validation scores.
     *
     * @param params          the hyper-parameters
     * @param validationAuc   ROC AUC on the validation table
     * @param validationBrier Brier score on the validation table
     */
    public record Candidate(Params params, double validationAuc, double validationBrier) {
    }

    /**
     * Outcome of {@link #select}.
     *
     * @param forest the chosen forest, trained on the training table
     * @param grid   every candidate with its validation scores, in grid order
     */
    public record Selection(MorphologyForest forest, List<Candidate> grid) {
    }

    /**
     * Permutation importance of one feature (Breiman 2001, §10).
     *
     * @param feature name
     * @param aucDrop mean drop of ROC AUC when the feature's column is shuffled
     */
    public record Importance(String feature, double aucDrop) {
    }

    private MorphologyForest(Model<Label> model, MorphologyFeatures.InputView view, Params params) {
        this.model = model;
        this.view = view;
        this.params = params;
    }

    /**
     * Trains one forest.
     *
     * @param train  training rows
     * @param params hyper-parameters
     * @param view   the model inputs the features come from (kept for {@link #predict})
     * @param seed   seed of the bootstrap samples and feature draws
     * @return the forest
     * @throws DeepMergeException INVALID_CONFIG when the table is empty
     */
    public static MorphologyForest train(Table train, Params params, MorphologyFeatures.InputView view, long seed)
            throws DeepMergeException {
        if (train.x().length == 0) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "no training rows for the random forest");
        }
        LabelFactory factory = new LabelFactory();
        MutableDataset<Label> data = new MutableDataset<>(new SimpleDataSourceProvenance("morphology features", factory), factory);
        for (int i = 0; i < train.x().length; i++) {
            data.add(example(new Label(train.y()[i] == 1 ? MERGER : NON_MERGER), train.x()[i]));
        }
        CARTClassificationTrainer tree = new CARTClassificationTrainer(params.maxDepth() == 0 ? Integer.MAX_VALUE
                : params.maxDepth(), params.minChildWeight(), 0f, params.featureFraction(), false, new GiniIndex(), seed);
        RandomForestTrainer<Label> rf = new RandomForestTrainer<>(tree, new FullyWeightedVotingCombiner(), params.trees(), seed);
        return new MorphologyForest(rf.train(data), view, params);
    }

    /**
     * Trains one forest per grid point on {@code train} and keeps the one with the highest ROC AUC on
     * {@code validation} (lower Brier score on ties within 1e-9, then the earlier grid point).
     *
     * @param train      training rows
     * @param validation validation rows (both classes needed)
     * @param grid       candidate hyper-parameters, non-empty
     * @param view       the model inputs the features come from
     * @param seed       forest seed
     * @param progress   told each candidate as soon as it is scored
     * @return the chosen forest and every candidate's scores
     * @throws DeepMergeException INVALID_CONFIG for an empty grid or table
     */
    public static Selection select(Table train, Table validation, List<Params> grid, MorphologyFeatures.InputView view,
                                   long seed, java.util.function.Consumer<Candidate> progress) throws DeepMergeException {
        if (grid.isEmpty()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "empty hyper-parameter grid");
        }
        List<Candidate> scores = new ArrayList<>();
        MorphologyForest best = null;
        Candidate bestScore = null;
        for (Params p : grid) {
            MorphologyForest f = train(train, p, view, seed);
            float[] q = f.probabilities(validation.x());
            Candidate c = new Candidate(p, Metrics.rocAuc(q, validation.y()), Metrics.brier(q, validation.y()));
            scores.add(c);
            progress.accept(c);
            if (bestScore == null || better(c, bestScore)) {
                best = f;
                bestScore = c;
            }
        }
        return new Selection(best, scores);
    }

    private static boolean better(Candidate a, Candidate b) {
        double da = Double.isNaN(a.validationAuc()) ? -1 : a.validationAuc();
        double db = Double.isNaN(b.validationAuc()) ? -1 : b.validationAuc();
        if (Math.abs(da - db) > 1e-9) {
            return da > db;
        }
        return a.validationBrier() < b.validationBrier() - 1e-9;
    }

    /**
     * The full Cartesian grid.
     *
     * @param trees            tree counts
     * @param depths           depths (0 = unlimited)
     * @param featureFractions feature fractions
     * @param minChildWeights  leaf sizes
     * @return every combination, trees varying slowest
     */
    public static List<Params> grid(List<Integer> trees, List<Integer> depths, List<Float> featureFractions,
                                    List<Float> minChildWeights) {
        List<Params> out = new ArrayList<>();
        for (int t : trees) {
            for (int d : depths) {
                for (float f : featureFractions) {
                    for (float m : minChildWeights) {
                        out.add(new Params(t, d, f, m));
                    }
                }
            }
        }
        return out;
    }

    /**
     * @param x feature vectors
     * @return the merger probability of each
     */
    public float[] probabilities(double[][] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            Prediction<Label> p = model.predict(example(LabelFactory.UNKNOWN_LABEL, x[i]));
            Label m = p.getOutputScores().get(MERGER);
            out[i] = m == null ? 0f : (float) m.getScore();
        }
        return out;
    }

    /**
     * Permutation importance on a (validation) table: each feature's column is shuffled {@code repeats} times and
     * the mean drop of ROC AUC recorded (Breiman 2001, §10, on held-out rows instead of the out-of-bag ones).
     *
     * @param table   rows to score (not the test part)
     * @param repeats shuffles per feature
     * @param seed    shuffle seed
     * @return one entry per feature, largest drop first
     */
    public List<Importance> permutationImportance(Table table, int repeats, long seed) {
        double base = Metrics.rocAuc(probabilities(table.x()), table.y());
        Random rng = new Random(seed);
        List<Importance> out = new ArrayList<>();
        int n = table.x().length;
        for (int f = 0; f < MorphologyFeatures.NAMES.size(); f++) {
            double drop = 0;
            for (int r = 0; r < repeats; r++) {
                double[][] shuffled = new double[n][];
                int[] order = java.util.stream.IntStream.range(0, n).toArray();
                org.deepmerge.training.data.Split.shuffle(order, rng);
                for (int i = 0; i < n; i++) {
                    shuffled[i] = table.x()[i].clone();
                    shuffled[i][f] = table.x()[order[i]][f];
                }
                drop += base - Metrics.rocAuc(probabilities(shuffled), table.y());
            }
            out.add(new Importance(MorphologyFeatures.NAMES.get(f), drop / repeats));
        }
        out.sort(Comparator.comparingDouble(Importance::aucDrop).reversed());
        return out;
    }

    /**
     * Measures the morphology of each model input and returns the forest's merger probability.
     *
     * @param images n model inputs {@code [n,C,H,W]} float32 of this forest's {@link #view()}
     * @param n      number of inputs
     * @return n merger probabilities
     * @throws DeepMergeException WRONG_SHAPE when the array is too short
     */
    @Override
    public float[] predict(float[] images, int n) throws DeepMergeException {
        return probabilities(MorphologyFeatures.measure(images, n, view));
    }

    /** @return the model inputs the forest was trained on */
    public MorphologyFeatures.InputView view() {
        return view;
    }

    /** @return the hyper-parameters */
    public Params params() {
        return params;
    }

    /**
     * Writes the forest in Tribuo's own protobuf format ({@link Model#serializeToFile}).
     *
     * @param file destination
     * @throws DeepMergeException IO_ERROR
     */
    public void save(Path file) throws DeepMergeException {
        try {
            model.serializeToFile(file);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, file + ": cannot write the forest: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a forest written by {@link #save}.
     *
     * @param file   the Tribuo model file
     * @param view   the model inputs it was trained on (from its sidecar)
     * @param params its hyper-parameters (from its sidecar)
     * @return the forest
     * @throws DeepMergeException IO_ERROR when unreadable, INVALID_MODEL when it is not a merger classifier
     */
    public static MorphologyForest load(Path file, MorphologyFeatures.InputView view, Params params) throws DeepMergeException {
        Model<?> m;
        try {
            m = Model.deserializeFromFile(file);
        } catch (IOException | RuntimeException e) {
            throw new DeepMergeException(Reason.IO_ERROR, file + ": cannot read the forest: " + e.getMessage(), e);
        }
        if (!m.validate(Label.class)) {
            throw new DeepMergeException(Reason.INVALID_MODEL, file + ": not a classifier (" + m + ")");
        }
        @SuppressWarnings("unchecked")
        Model<Label> labels = (Model<Label>) m;
        if (labels.getOutputIDInfo().getID(new Label(MERGER)) < 0) {
            throw new DeepMergeException(Reason.INVALID_MODEL, file + ": a classifier without the class " + MERGER);
        }
        return new MorphologyForest(labels, view, params);
    }

    private static Example<Label> example(Label label, double[] x) {
        return new ArrayExample<>(label, MorphologyFeatures.NAMES.toArray(new String[0]), x);
    }
}
