package org.deepmerge.training.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.io.Csv;

/**
 * One line of history.csv.
 *
 * @param epoch         1-based epoch
 * @param trainLoss     mean mini-batch loss (binary cross-entropy plus L2 penalty), training mode
 * @param trainAccuracy accuracy at threshold 0.5 on every 4th training mini-batch, inference mode, before its step
 * @param valLoss       binary cross-entropy on the validation split, inference mode; class-balanced (each class
 *                      weighted n / (2 n_c) over the validation labels) when training uses class weights, so early
 *                      stopping watches the objective that is being trained
 * @param valAccuracy   validation accuracy at threshold 0.5
 * @param seconds       wall-clock seconds for the epoch (training + validation)
 * @param valRocAuc     validation ROC AUC (NaN in histories written before it was recorded, or with one class)
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy, double seconds,
                         double valRocAuc) {

    /** history.csv columns. */
    public static final List<String> COLUMNS = List.of("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
            "seconds", "val_roc_auc");

    /** @return the history.csv record, in {@link #COLUMNS} order */
    public List<Object> toRecord() {
        return List.of(epoch, trainLoss, trainAccuracy, valLoss, valAccuracy, seconds, valRocAuc);
    }

    /**
     * Reads a history.csv (a header naming {@link #COLUMNS}; {@code val_roc_auc} may be missing in histories written
     * before it was recorded, and is then NaN).
     *
     * @param file the history
     * @return its epochs in file order
     * @throws DeepMergeException IO_ERROR when unreadable, WRONG_SHAPE when not CSV or a number does not parse,
     *                            INVALID_CONFIG when a column is missing
     */
    public static List<EpochStats> readHistory(Path file) throws DeepMergeException {
        Csv.Table t = Csv.read(file);
        int[] c = new int[COLUMNS.size()];
        for (int k = 0; k < c.length; k++) {
            c[k] = k == c.length - 1 ? t.column(COLUMNS.get(k)) : t.requireColumn(COLUMNS.get(k));
        }
        List<EpochStats> out = new ArrayList<>(t.rows().size());
        for (Csv.Row r : t.rows()) {
            try {
                out.add(new EpochStats(Integer.parseInt(r.get(c[0])), Double.parseDouble(r.get(c[1])),
                        Double.parseDouble(r.get(c[2])), Double.parseDouble(r.get(c[3])), Double.parseDouble(r.get(c[4])),
                        Double.parseDouble(r.get(c[5])), c[6] < 0 ? Double.NaN : Double.parseDouble(r.get(c[6]))));
            } catch (NumberFormatException e) {
                throw new DeepMergeException(Reason.WRONG_SHAPE, file + ":" + r.line() + ": not a history record: "
                        + e.getMessage(), e);
            }
        }
        return out;
    }
}
