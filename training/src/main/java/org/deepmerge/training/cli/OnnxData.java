package org.deepmerge.training.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.Split;
import org.deepmerge.training.eval.ContractImageFolder;
import org.deepmerge.training.train.DatasetFingerprint;
import org.deepmerge.training.train.OnnxPredictor;
import org.deepmerge.training.train.SplitFile;

/**
 * Data for an exported ONNX model, shared by {@code evaluate} and {@code calibrate}. An image folder is read through
 * the model's contract ({@link ContractImageFolder}: channels, size, resampling and normalisation from the ONNX
 * metadata, no {@code --image-size}); other data (HLSP files) as the training read it, normalised by the predictor.
 * The split is {@code --split}, else {@code split.json} beside the model; without one there is no split.
 *
 * @param predictor the model through the core scorer
 * @param data      images and labels
 * @param split     the split, or null when there is none
 * @param splitFile where the split came from, or null
 */
record OnnxData(OnnxPredictor predictor, ImageDataset data, Split split, Path splitFile) {

    /**
     * @param p a --data path
     * @return true for a folder holding labels.csv
     */
    static boolean isImageFolder(Path p) {
        return p != null && Files.isDirectory(p) && Files.isRegularFile(p.resolve("labels.csv"));
    }

    /**
     * @param options         data options (--data, id/label columns, --limit, --split)
     * @param model           the ONNX file
     * @param imagePixelScale assumed pixel scale of image-folder pictures, arcsec/px
     * @return predictor, data and split; the caller closes the predictor
     * @throws DeepMergeException from reading the model or the data; INVALID_CONFIG for a split of other data
     *                            (split.json beside the model must carry the model's training fingerprint)
     */
    static OnnxData load(DataOptions options, Path model, double imagePixelScale) throws DeepMergeException {
        options.requireData();
        boolean folder = isImageFolder(options.data);
        OnnxPredictor p = folder ? OnnxPredictor.prepared(model) : new OnnxPredictor(model);
        try {
            ModelContract c = p.contract();
            String trainedOn = c.extra().get(ModelContract.KEY_TRAINING_FINGERPRINT);
            ImageDataset d;
            Path splitFile = options.splitFile;
            Split split = null;
            if (folder) {
                d = ContractImageFolder.read(options.data, c, options.idColumn, options.labelColumn, imagePixelScale,
                        options.limit);
                if (splitFile != null) {
                    split = SplitFile.read(splitFile, null, d.size());
                } else {
                    splitFile = DataOptions.besideModel(model);
                    if (splitFile != null) {
                        // the images read through the contract differ from the training read; the split must belong
                        // to the run that trained this model
                        split = SplitFile.read(splitFile, trainedOn, d.size());
                    }
                }
            } else {
                d = options.load();
                p.requireInput(d.channels(), d.height(), d.width());
                String fp = DatasetFingerprint.of(d);
                if (splitFile == null && fp.equals(trainedOn)) {
                    splitFile = DataOptions.besideModel(model);
                }
                split = splitFile == null ? null : SplitFile.read(splitFile, fp, d.size());
            }
            return new OnnxData(p, d, split, splitFile);
        } catch (DeepMergeException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /**
     * @param part test, validation, train or all; null for the default (test with a split, all without)
     * @return the image indices of that part
     * @throws DeepMergeException INVALID_CONFIG for an unknown part, or a part other than all without a split
     */
    int[] indices(String part) throws DeepMergeException {
        String q = part == null ? (split == null ? "all" : "test") : part;
        if (!q.equals("all") && split == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--part " + q + " needs a split, but there is no split.json"
                    + " beside the model and no --split; use --part all or pass --split");
        }
        return switch (q) {
            case "all" -> java.util.stream.IntStream.range(0, data.size()).toArray();
            case "test" -> split.test();
            case "validation" -> split.validation();
            case "train" -> split.train();
            default -> throw new DeepMergeException(Reason.INVALID_CONFIG, "--part " + q + ": expected test, validation, train or all");
        };
    }

    /**
     * @param part as {@link #indices}
     * @return the part's name after defaults
     */
    String partName(String part) {
        return part == null ? (split == null ? "all" : "test") : part;
    }
}
