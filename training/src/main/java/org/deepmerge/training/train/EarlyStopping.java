package org.deepmerge.training.train;

/**
 * Early stopping on validation loss (Keras {@code EarlyStopping(monitor='val_loss', patience=p)}): an epoch
 * improves when its loss is strictly below the best so far; training stops after {@code patience} epochs in a
 * row without improvement.
 */
public final class EarlyStopping {
    private final int patience;
    private double bestLoss;
    private int bestEpoch;
    private int sinceBest;

    /**
     * @param patience  epochs without improvement before stopping, &gt;= 1
     * @param bestLoss  best loss so far (+infinity for a fresh run)
     * @param bestEpoch its epoch (0 for a fresh run)
     * @param sinceBest epochs since then
     */
    public EarlyStopping(int patience, double bestLoss, int bestEpoch, int sinceBest) {
        this.patience = patience;
        this.bestLoss = bestLoss;
        this.bestEpoch = bestEpoch;
        this.sinceBest = sinceBest;
    }

    /**
     * @param epoch   1-based epoch just finished
     * @param valLoss its validation loss
     * @return true when this epoch is the new best (save the checkpoint)
     */
    public boolean update(int epoch, double valLoss) {
        if (valLoss < bestLoss) {
            bestLoss = valLoss;
            bestEpoch = epoch;
            sinceBest = 0;
            return true;
        }
        sinceBest++;
        return false;
    }

    /** @return true once patience has run out */
    public boolean shouldStop() {
        return sinceBest >= patience;
    }

    /** @return best validation loss */
    public double bestLoss() {
        return bestLoss;
    }

    /** @return epoch of the best loss */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** @return epochs since the best */
    public int sinceBest() {
        return sinceBest;
    }
}
