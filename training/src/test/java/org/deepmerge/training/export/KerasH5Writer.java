package org.deepmerge.training.export;

import org.bytedeco.hdf5.Attribute;
import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.H5Object;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.hdf5.StrType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.bytedeco.hdf5.global.hdf5.H5F_ACC_TRUNC;
import static org.bytedeco.hdf5.global.hdf5.H5S_SCALAR;

/**
 * Test-only writer of a Keras 2.2 full-model HDF5 file ({@code model.save}) in the layout h5py produces: root
 * attributes {@code keras_version}, {@code backend}, {@code model_config} (JSON, fixed-length string), group
 * {@code model_weights} with one group per layer holding the attribute {@code weight_names}
 * ({@code "<layer>/kernel:0"}, ...) and the data sets {@code <layer>/<layer>/kernel:0}. There is no Python/Keras on
 * this machine, so this is how the tests obtain a real HDF5 file for DL4J's Keras import. Uses the HDF5 C++ API
 * bindings DL4J's model import already depends on.
 */
final class KerasH5Writer {

    /** One weight array: Keras name ({@code kernel}, {@code bias}, {@code gamma}, ...), shape and C-order values. */
    record Weight(String name, long[] shape, float[] values) {
    }

    private final Map<String, List<Weight>> layers = new LinkedHashMap<>();

    /** Adds the weights of one Keras layer (layers without weights are omitted, as DL4J allows). */
    KerasH5Writer layer(String name, List<Weight> weights) {
        layers.put(name, weights);
        return this;
    }

    /** @return the weights added for {@code layer} */
    List<Weight> weights(String layer) {
        return layers.get(layer);
    }

    /** Writes a full model ({@code model.save}): config attribute plus weights under {@code model_weights}. */
    void write(Path file, String modelConfigJson) {
        write(file, modelConfigJson, true);
    }

    /** Writes the weights only, at the file root ({@code model.save_weights}). */
    void writeWeightsOnly(Path file) {
        write(file, null, false);
    }

    private void write(Path file, String modelConfigJson, boolean fullModel) {
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            H5File h5 = new H5File(file.toString(), H5F_ACC_TRUNC);
            try {
                Group root = h5;
                if (fullModel) {
                    stringAttribute(h5, "keras_version", "2.2.4");
                    stringAttribute(h5, "backend", "tensorflow");
                    stringAttribute(h5, "model_config", modelConfigJson);
                    root = h5.createGroup("model_weights");
                }
                stringArrayAttribute(root, "layer_names", List.copyOf(layers.keySet()));
                stringAttribute(root, "keras_version", "2.2.4");
                stringAttribute(root, "backend", "tensorflow");
                for (Map.Entry<String, List<Weight>> e : layers.entrySet()) {
                    String layer = e.getKey();
                    Group lg = root.createGroup(layer);
                    stringArrayAttribute(lg, "weight_names",
                            e.getValue().stream().map(w -> layer + "/" + w.name() + ":0").toList());
                    Group inner = lg.createGroup(layer);
                    for (Weight w : e.getValue()) {
                        DataSpace space = new DataSpace(w.shape().length, w.shape());
                        DataSet ds = inner.createDataSet(w.name() + ":0", PredType.NATIVE_FLOAT(), space);
                        FloatPointer data = new FloatPointer(w.values());
                        ds.write(data, PredType.NATIVE_FLOAT());
                        data.close();
                        ds.close();
                        space.close();
                    }
                    inner.close();
                    lg.close();
                }
                if (fullModel) {
                    root.close();
                }
            } finally {
                h5.close();
            }
        }
    }

    private static void stringAttribute(H5Object target, String name, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        StrType type = new StrType(PredType.C_S1(), bytes.length);
        DataSpace scalar = new DataSpace(H5S_SCALAR);
        Attribute a = target.createAttribute(name, type, scalar);
        BytePointer p = new BytePointer(bytes);
        a.write(type, p);
        p.close();
        a.close();
        scalar.close();
        type.close();
    }

    private static void stringArrayAttribute(H5Object target, String name, List<String> values) {
        int width = 1;
        for (String v : values) {
            width = Math.max(width, v.getBytes(StandardCharsets.UTF_8).length);
        }
        byte[] bytes = new byte[width * values.size()];
        for (int i = 0; i < values.size(); i++) {
            byte[] v = values.get(i).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(v, 0, bytes, i * width, v.length);
        }
        StrType type = new StrType(PredType.C_S1(), width);
        DataSpace space = new DataSpace(1, new long[]{values.size()});
        Attribute a = target.createAttribute(name, type, space);
        BytePointer p = new BytePointer(bytes);
        a.write(type, p);
        p.close();
        a.close();
        space.close();
        type.close();
    }
}
