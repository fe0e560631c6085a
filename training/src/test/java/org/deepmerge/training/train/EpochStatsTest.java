package org.deepmerge.training.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.io.Csv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EpochStatsTest {
    @TempDir
    Path tmp;

    @Test
    void historyRoundTripsThroughTheCsvCodec() throws Exception {
        Path h = tmp.resolve("history.csv");
        List<EpochStats> epochs = List.of(new EpochStats(1, 0.7, 0.5, 0.69, 0.55, 12.5, 0.61),
                new EpochStats(2, 0.6, 0.625, 0.65, 0.6, 11.0, Double.NaN));
        Csv.write(h, List.of(EpochStats.COLUMNS));
        for (EpochStats e : epochs) {
            Csv.append(h, e.toRecord());
        }
        assertEquals("epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds,val_roc_auc",
                Files.readAllLines(h).get(0));
        assertEquals(epochs, EpochStats.readHistory(h));
    }

    @Test
    void olderHistoriesWithoutAucAndBadRecords() throws Exception {
        Path old = Files.writeString(tmp.resolve("old.csv"),
                "epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds\r\n3,0.5,0.7,0.55,0.68,9.0\r\n");
        List<EpochStats> h = EpochStats.readHistory(old);
        assertEquals(1, h.size());
        assertEquals(3, h.get(0).epoch());
        assertTrue(Double.isNaN(h.get(0).valRocAuc()));

        Path bad = Files.writeString(tmp.resolve("bad.csv"),
                "epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds\n1,0.5,x,0.55,0.68,9.0\n");
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> EpochStats.readHistory(bad));
        assertEquals(Reason.WRONG_SHAPE, e.reason());
        assertTrue(e.getMessage().contains("bad.csv:2"), e.getMessage());
    }
}
