package org.deepmerge.training.train;

/**
 * One line of history.csv.
 *
 * @param epoch         1-based epoch
 * @param trainLoss     mean mini-batch loss (binary cross-entropy plus L2 penalty), training mode
 * @param trainAccuracy accuracy at threshold 0.5 on every 4th training mini-batch, inference mode, before its step
 * @param valLoss       binary cross-entropy on the validation split, inference mode
 * @param valAccuracy   validation accuracy at threshold 0.5
 * @param seconds       wall-clock seconds for the epoch (training + validation)
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy, double seconds) {

    /** history.csv header. */
    public static final String CSV_HEADER = "epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds";

    /** @return the CSV line */
    public String toCsv() {
        return epoch + "," + trainLoss + "," + trainAccuracy + "," + valLoss + "," + valAccuracy + "," + seconds;
    }

    /**
     * @param line a CSV line written by {@link #toCsv()}
     * @return the stats
     */
    public static EpochStats parse(String line) {
        String[] f = line.split(",");
        return new EpochStats(Integer.parseInt(f[0].trim()), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]));
    }
}
