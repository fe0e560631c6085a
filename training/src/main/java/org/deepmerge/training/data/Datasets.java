package org.deepmerge.training.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/** Opens any dataset the readers take, by what the path is. */
public final class Datasets {
    private Datasets() {
    }

    /**
     * @param path     a folder with labels.csv (image folder), an HLSP {@code .fits} file, or an HLSP images
     *                 {@code .npy} file (labels found beside it)
     * @param channels filters to keep for HLSP files, in order (null = all); ignored for image folders
     * @param folder   options for image folders
     * @return the dataset
     * @throws DeepMergeException IO_ERROR when the path is none of these, else the reader's errors
     */
    public static ImageDataset open(Path path, List<String> channels, ImageFolderReader.Options folder)
            throws DeepMergeException {
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (Files.isDirectory(path) && Files.isRegularFile(path.resolve("labels.csv"))) {
            return ImageFolderReader.read(path, folder);
        }
        if (Files.isRegularFile(path) && (name.endsWith(".fits") || name.endsWith(".fit"))) {
            return HlspReader.readFits(path, channels);
        }
        if (Files.isRegularFile(path) && name.endsWith(".npy")) {
            return HlspReader.readNpy(path, null, channels);
        }
        throw new DeepMergeException(Reason.IO_ERROR, path + ": not a dataset (expected a folder with labels.csv,"
                + " an HLSP .fits file or an HLSP images .npy file)");
    }
}
