package org.deepmerge.training.train;

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

    /** history.csv header. */
    public static final String CSV_HEADER = "epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds,val_roc_auc";

    /** @return the CSV line */
    public String toCsv() {
        return epoch + "," + trainLoss + "," + trainAccuracy + "," + valLoss + "," + valAccuracy + "," + seconds + "," + valRocAuc;
    }

    /**
     * @param line a CSV line written by {@link #toCsv()}
     * @return the stats
     */
    public static EpochStats parse(String line) {
        String[] f = line.split(",");
        return new EpochStats(Integer.parseInt(f[0].trim()), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]),
                f.length > 6 ? Double.parseDouble(f[6]) : Double.NaN);
    }
}
