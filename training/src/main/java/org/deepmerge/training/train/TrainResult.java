package org.deepmerge.training.train;

import java.nio.file.Path;
import java.util.List;

/**
 * @param bestCheckpoint best.zip (lowest validation loss)
 * @param lastCheckpoint last.zip (latest epoch, with updater state, for --resume)
 * @param history        every epoch so far, including epochs of earlier runs that were resumed
 * @param bestEpoch      epoch of the best checkpoint (1-based)
 * @param bestValLoss    its validation loss
 * @param stoppedEarly   true when patience ran out before the epoch limit
 */
public record TrainResult(Path bestCheckpoint, Path lastCheckpoint, List<EpochStats> history, int bestEpoch,
                          double bestValLoss, boolean stoppedEarly) {
    public TrainResult {
        history = List.copyOf(history);
    }
}
