package org.deepmerge.core.pipeline;

import java.util.List;
import org.deepmerge.core.alert.Alert;

/**
 * An alert made ready for the model: the decoded alert and its model input.
 *
 * @param alert      the decoded alert (ids, position, epoch)
 * @param image      the model input {@code [C,H,W]} float32, row-major, as the model contract prescribes
 *                   (channel order, pixel scale, normalisation)
 * @param bands      the band of the stamp that filled each channel, in channel order (size C)
 * @param incomplete true when some channel was not filled by a stamp of its own band (channel policy fallback)
 */
public record PreparedImage(Alert alert, float[] image, List<String> bands, boolean incomplete) {

    public PreparedImage {
        bands = List.copyOf(bands);
    }
}
