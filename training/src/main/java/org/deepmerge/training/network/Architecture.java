package org.deepmerge.training.network;

import java.util.Arrays;
import java.util.Locale;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/** The networks the training module builds, by their command-line names. */
public enum Architecture {
    /** DeepMerge (Ciprijanovic et al. 2020) as published: softmax-activated dense layers. */
    DEEPMERGE("deepmerge"),
    /** DeepMerge with ReLU dense layers (the softmax hidden layers of the paper squash features). */
    DEEPMERGE_RELU("deepmerge-relu"),
    /** DeepShadows (Tanoglidis et al. 2021): 3 conv + max pooling, dropout 0.4, 2 dense layers, L2. */
    DEEPSHADOWS("deepshadows");

    private final String cliName;

    Architecture(String cliName) {
        this.cliName = cliName;
    }

    /** @return the command-line name, e.g. {@code deepmerge-relu} */
    public String cliName() {
        return cliName;
    }

    /**
     * @param name command-line name (case-insensitive)
     * @return the architecture
     * @throws DeepMergeException INVALID_CONFIG for an unknown name
     */
    public static Architecture parse(String name) throws DeepMergeException {
        for (Architecture a : values()) {
            if (a.cliName.equalsIgnoreCase(name.trim()) || a.name().equalsIgnoreCase(name.trim())) {
                return a;
            }
        }
        throw new DeepMergeException(Reason.INVALID_CONFIG, "unknown network '" + name + "', expected one of "
                + Arrays.stream(values()).map(Architecture::cliName).toList());
    }

    @Override
    public String toString() {
        return cliName.toLowerCase(Locale.ROOT);
    }
}
