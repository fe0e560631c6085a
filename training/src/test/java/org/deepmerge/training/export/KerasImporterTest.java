package org.deepmerge.training.export;

import ai.onnxruntime.OrtEnvironment;
import org.deepmerge.core.DeepMergeException;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link KerasImporter}. There is no Python/Keras here to write a real {@code .h5}, so the architecture path is
 * tested with a Keras 2.2 {@code model.to_json()} config of the DeepMerge network written by the test (the format
 * the published notebooks produce), imported by DL4J, exported and compared with ONNX Runtime; the HDF5 path is
 * tested only for its errors.
 */
class KerasImporterTest {

    @TempDir
    Path dir;

    @Test
    void perChannelDeepMergeConfigImportsAndExportsWithParity() throws Exception {
        Path json = Files.writeString(dir.resolve("deepmerge.json"), deepMergeJson(1, "channels_first"));
        MultiLayerConfiguration conf = KerasImporter.importConfiguration(json);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertEquals(ExportTestNetworks.DL4J_DEEPMERGE_PARAMS, net.numParams());
        ExportTestNetworks.randomiseBatchNorm(net, 71);
        assertArrayEquals(new long[]{-1, 2, 75, 75}, KerasImporter.checkConfig(deepMergeJson(1, "channels_first"), "t"));
        OrtParity.assertParity(OrtEnvironment.getEnvironment(), dir, "keras-deepmerge-axis1", net, 2, 75, 75, 72);
    }

    @Test
    void publishedWidthBatchNormIsRefusedWithAClearMessage() throws Exception {
        Path json = Files.writeString(dir.resolve("deepmerge-axis-1.json"), deepMergeJson(-1, "channels_first"));
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> KerasImporter.importConfiguration(json));
        assertEquals(DeepMergeException.Reason.INVALID_MODEL, e.reason());
        assertTrue(e.getMessage().contains("layer 1 'batch_normalization_1' (BatchNormalization) has axis=-1")
                && e.getMessage().contains("image width") && e.getMessage().contains("Retrain with axis=1"), e.getMessage());
        Path weights = Files.write(dir.resolve("w.h5"), new byte[]{1, 2, 3});
        DeepMergeException viaWeights = assertThrows(DeepMergeException.class,
                () -> KerasImporter.importSequential(json, weights));
        assertTrue(viaWeights.getMessage().contains("image width"), viaWeights.getMessage());
    }

    @Test
    void channelsLastAndNonSequentialModelsAreRefused() {
        DeepMergeException last = assertThrows(DeepMergeException.class,
                () -> KerasImporter.checkConfig(deepMergeJson(-1, "channels_last"), "m.json"));
        assertTrue(last.getMessage().contains("layer 0 'conv2d_1' (Conv2D) uses channels_last"), last.getMessage());
        DeepMergeException functional = assertThrows(DeepMergeException.class,
                () -> KerasImporter.checkConfig("{\"class_name\": \"Model\", \"config\": {}}", "m.json"));
        assertTrue(functional.getMessage().contains("only Keras Sequential"), functional.getMessage());
        DeepMergeException notJson = assertThrows(DeepMergeException.class,
                () -> KerasImporter.checkConfig("<html>", "m.json"));
        assertTrue(notJson.getMessage().contains("not JSON"), notJson.getMessage());
    }

    @Test
    void missingAndNonHdf5FilesAreReported() throws Exception {
        DeepMergeException missing = assertThrows(DeepMergeException.class,
                () -> KerasImporter.importSequential(dir.resolve("absent.h5")));
        assertEquals(DeepMergeException.Reason.IO_ERROR, missing.reason());
        assertTrue(missing.getMessage().contains("absent.h5"), missing.getMessage());

        Path notH5 = Files.writeString(dir.resolve("model.h5"), "this is not HDF5");
        DeepMergeException bad = assertThrows(DeepMergeException.class, () -> KerasImporter.importSequential(notH5));
        assertEquals(DeepMergeException.Reason.INVALID_MODEL, bad.reason());
        assertTrue(bad.getMessage().contains("model.h5") && bad.getMessage().contains("not a readable Keras HDF5"),
                bad.getMessage());
    }

    /**
     * The DeepMerge architecture (DESIGN.md) as Keras 2.2.4 {@code model.to_json()} writes it, with the batch-norm
     * {@code axis} and {@code data_format} given.
     */
    static String deepMergeJson(int bnAxis, String dataFormat) {
        List<String> layers = new ArrayList<>();
        int[][] convs = {{8, 5}, {16, 3}, {32, 3}};
        for (int b = 0; b < 3; b++) {
            int n = b + 1;
            String input = b == 0 ? "\"batch_input_shape\": [null, 2, 75, 75], " : "";
            layers.add("{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv2d_" + n + "\", \"trainable\": true, "
                    + input + "\"dtype\": \"float32\", \"filters\": " + convs[b][0] + ", \"kernel_size\": ["
                    + convs[b][1] + ", " + convs[b][1] + "], \"strides\": [1, 1], \"padding\": \"same\", "
                    + "\"data_format\": \"" + dataFormat + "\", \"dilation_rate\": [1, 1], \"activation\": \"relu\", "
                    + "\"use_bias\": true, " + INITS + ", \"kernel_regularizer\": null, \"bias_regularizer\": null, "
                    + "\"activity_regularizer\": null, \"kernel_constraint\": null, \"bias_constraint\": null}}");
            layers.add("{\"class_name\": \"BatchNormalization\", \"config\": {\"name\": \"batch_normalization_" + n
                    + "\", \"trainable\": true, \"axis\": " + bnAxis + ", \"momentum\": 0.99, \"epsilon\": 0.001, "
                    + "\"center\": true, \"scale\": true, \"beta_initializer\": {\"class_name\": \"Zeros\", \"config\": {}}, "
                    + "\"gamma_initializer\": {\"class_name\": \"Ones\", \"config\": {}}, "
                    + "\"moving_mean_initializer\": {\"class_name\": \"Zeros\", \"config\": {}}, "
                    + "\"moving_variance_initializer\": {\"class_name\": \"Ones\", \"config\": {}}, "
                    + "\"beta_regularizer\": null, \"gamma_regularizer\": null, \"beta_constraint\": null, "
                    + "\"gamma_constraint\": null}}");
            layers.add("{\"class_name\": \"MaxPooling2D\", \"config\": {\"name\": \"max_pooling2d_" + n
                    + "\", \"trainable\": true, \"pool_size\": [2, 2], \"padding\": \"valid\", \"strides\": [2, 2], "
                    + "\"data_format\": \"" + dataFormat + "\"}}");
            layers.add("{\"class_name\": \"Dropout\", \"config\": {\"name\": \"dropout_" + n
                    + "\", \"trainable\": true, \"rate\": 0.5, \"noise_shape\": null, \"seed\": null}}");
        }
        layers.add("{\"class_name\": \"Flatten\", \"config\": {\"name\": \"flatten_1\", \"trainable\": true, "
                + "\"data_format\": \"" + dataFormat + "\"}}");
        String[][] dense = {{"64", "softmax", "0.0001"}, {"32", "softmax", "0.0001"}, {"1", "sigmoid", null}};
        for (int d = 0; d < 3; d++) {
            String reg = dense[d][2] == null ? "null"
                    : "{\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.0, \"l2\": " + dense[d][2] + "}}";
            layers.add("{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense_" + (d + 1) + "\", \"trainable\": true, "
                    + "\"units\": " + dense[d][0] + ", \"activation\": \"" + dense[d][1] + "\", \"use_bias\": true, "
                    + INITS + ", \"kernel_regularizer\": " + reg + ", \"bias_regularizer\": null, "
                    + "\"activity_regularizer\": null, \"kernel_constraint\": null, \"bias_constraint\": null}}");
        }
        return "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential_1\", \"layers\": ["
                + String.join(", ", layers) + "]}, \"keras_version\": \"2.2.4\", \"backend\": \"tensorflow\"}";
    }

    private static final String INITS = "\"kernel_initializer\": {\"class_name\": \"VarianceScaling\", \"config\": "
            + "{\"scale\": 1.0, \"mode\": \"fan_avg\", \"distribution\": \"uniform\", \"seed\": null}}, "
            + "\"bias_initializer\": {\"class_name\": \"Zeros\", \"config\": {}}";
}
