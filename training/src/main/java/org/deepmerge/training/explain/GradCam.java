package org.deepmerge.training.explain;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
 * Localization", ICCV, arXiv:1610.02391) for the DL4J {@link MultiLayerNetwork}s this project trains and saves
 * ({@code Checkpoints}): which parts of an input image raise the merger score.
 *
 * <p>For an input {@code x} of shape {@code [N,C,H,W]} float32 (NCHW, the networks' input) and a target layer
 * whose activations {@code A} have shape {@code [N,K,h,w]} (by default the last {@link ConvolutionLayer}, after
 * its ReLU):
 * <ol>
 *   <li>{@code y} is the class score before the output non-linearity: the merger logit {@code z = a W + b} of the
 *   single sigmoid unit (for a two-unit softmax head, the pre-softmax logit of the merger unit, index 1). For the
 *   non-merger class of a sigmoid head the score is {@code -z}.</li>
 *   <li>{@code dy/dA} is back-propagated from the output layer to the target layer in <em>inference</em> mode, the
 *   mode the scores are served in: dropout layers pass gradients unchanged, batch normalisation is the per-channel
 *   affine map of its running statistics, every other layer uses DL4J's own {@code backpropGradient} (max pooling,
 *   convolutions, dense layers with their activation's derivative) and the input pre-processors theirs. Frozen
 *   layers of a fine-tuned network are unwrapped.</li>
 *   <li>{@code alpha_k = (1 / hw) sum_ij dy/dA^k_ij} (global average pooling of the gradients),
 *   {@code L = ReLU(sum_k alpha_k A^k)}, the coarse map {@code [h,w]}.</li>
 *   <li>The coarse map is resampled bilinearly to {@code [H,W]} (pixel centres aligned, as an image resize) and
 *   divided by its maximum, so it lies in [0, 1]. When no location has positive evidence (the maximum is 0) the
 *   map is all zeros; {@link Map#peak()} keeps the unnormalised maximum.</li>
 * </ol>
 * Only {@code MultiLayerNetwork}s are handled because that is what the project saves; a ComputationGraph would need
 * the same walk over its topological order. The walk sets the layers' inputs: one instance, one thread, and not
 * while the network trains.
 */
public final class GradCam {

    /** Which class score is explained. */
    public enum Target {
        /** The merger score (logit of a sigmoid head). */
        MERGER,
        /** The non-merger score ({@code -logit} of a sigmoid head): what argues against a merger. */
        NON_MERGER
    }

    /**
     * One image's explanation.
     *
     * @param map          {@code [H*W]} row-major, the normalised map in [0, 1] at input resolution
     * @param height       H
     * @param width        W
     * @param coarse       {@code [h*w]} row-major, {@code ReLU(sum_k alpha_k A^k)} before resampling and normalising
     * @param coarseHeight h
     * @param coarseWidth  w
     * @param logit        the merger logit (pre-sigmoid; for a softmax head, {@code z_merger - z_non-merger})
     * @param probability  the network's merger probability (its output)
     * @param peak         the largest value of {@code coarse}; 0 when nothing argues for the target class
     */
    public record Map(float[] map, int height, int width, float[] coarse, int coarseHeight, int coarseWidth,
                      double logit, double probability, double peak) {
    }

    private static final LayerWorkspaceMgr MGR = LayerWorkspaceMgr.noWorkspaces();

    private final MultiLayerNetwork net;
    private final int layer;
    private final int outputIndex;
    private final int mergerColumn;

    /**
     * @param net       a network with one sigmoid output unit or a two-unit softmax head (merger = unit 1)
     * @param layerName name of the target layer, or null for the last convolutional layer
     * @throws DeepMergeException INVALID_CONFIG for an unknown layer name or a target whose output is not
     *                            {@code [N,K,h,w]}-shaped (checked on the first image); INVALID_MODEL when the
     *                            network has no convolutional layer or its last layer is not an output layer
     */
    public GradCam(MultiLayerNetwork net, String layerName) throws DeepMergeException {
        this.net = net;
        if (net.getGradientsViewArray() == null) {
            net.initGradientsView(); // layers write parameter gradients into it during backprop; a restored net has none
        }
        this.outputIndex = net.getnLayers() - 1;
        if (!(confOf(outputIndex) instanceof BaseOutputLayer out)) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "Grad-CAM: the last layer is "
                    + confOf(outputIndex).getClass().getSimpleName() + ", not an output layer");
        }
        long nOut = out.getNOut();
        if (nOut != 1 && nOut != 2) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "Grad-CAM: the output layer has " + nOut
                    + " units; expected 1 (sigmoid merger) or 2 (non-merger, merger)");
        }
        this.mergerColumn = nOut == 1 ? 0 : 1;
        this.layer = layerName == null ? lastConvolution(net) : indexOf(net, layerName);
        if (layer >= outputIndex) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "Grad-CAM: layer '" + layerName + "' is the output layer");
        }
    }

    /** @return index of the target layer in the network */
    public int layerIndex() {
        return layer;
    }

    /** @return name of the target layer */
    public String layerName() {
        return confOf(layer).getLayerName();
    }

    /**
     * @param net a network
     * @return index of its last {@link ConvolutionLayer} (frozen layers unwrapped)
     * @throws DeepMergeException INVALID_MODEL when it has none
     */
    public static int lastConvolution(MultiLayerNetwork net) throws DeepMergeException {
        for (int i = net.getnLayers() - 1; i >= 0; i--) {
            if (unwrap(net.getLayer(i)).conf().getLayer() instanceof ConvolutionLayer) {
                return i;
            }
        }
        throw new DeepMergeException(Reason.INVALID_MODEL, "Grad-CAM: the network has no convolutional layer");
    }

    private static int indexOf(MultiLayerNetwork net, String name) throws DeepMergeException {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            String n = unwrap(net.getLayer(i)).conf().getLayer().getLayerName();
            if (name.equals(n)) {
                return i;
            }
            names.add(n);
        }
        throw new DeepMergeException(Reason.INVALID_CONFIG, "Grad-CAM: no layer named '" + name + "'; layers: " + names);
    }

    /**
     * Explains the merger class.
     *
     * @param images {@code [N,C,H,W]} float32, row-major, the network's input exactly as it is scored
     * @param n      N
     * @param c      C
     * @param h      H
     * @param w      W
     * @return one map per image
     * @throws DeepMergeException as {@link #explain(float[], int, int, int, int, Target)}
     */
    public List<Map> explain(float[] images, int n, int c, int h, int w) throws DeepMergeException {
        return explain(images, n, c, h, w, Target.MERGER);
    }

    /**
     * @param images {@code [N,C,H,W]} float32, row-major
     * @param n      N
     * @param c      C
     * @param h      H
     * @param w      W
     * @param target the class whose score is explained
     * @return one map per image, in order
     * @throws DeepMergeException WRONG_SHAPE when the array does not hold N images of C x H x W; INVALID_CONFIG when
     *                            the target layer's output is not 4-dimensional; INFERENCE_FAILED when DL4J fails
     */
    public List<Map> explain(float[] images, int n, int c, int h, int w, Target target) throws DeepMergeException {
        long size = (long) c * h * w;
        if (n < 1 || size < 1 || (long) n * size != images.length) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, "Grad-CAM: " + images.length + " floats for " + n
                    + " images of " + c + "x" + h + "x" + w);
        }
        List<Map> out = new ArrayList<>(n);
        int batch = 32;
        for (int from = 0; from < n; from += batch) {
            int b = Math.min(batch, n - from);
            float[] chunk = new float[(int) (b * size)];
            System.arraycopy(images, (int) (from * size), chunk, 0, chunk.length);
            INDArray x = Nd4j.create(chunk, new long[] {b, c, h, w}, 'c').castTo(net.params().dataType());
            try {
                out.addAll(batch(x, h, w, target));
            } catch (RuntimeException e) {
                throw new DeepMergeException(Reason.INFERENCE_FAILED, "Grad-CAM: DL4J failed: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * Activations of the target layer and the gradient of the class score with respect to them.
     *
     * @param x      {@code [N,C,H,W]} in the network's data type
     * @param target the class
     * @return activations, gradients, logits and probabilities
     * @throws DeepMergeException INVALID_MODEL when a layer after the target cannot be back-propagated
     */
    Pass activationsAndGradients(INDArray x, Target target) throws DeepMergeException {
        int n = (int) x.size(0);
        int layers = net.getnLayers();
        INDArray[] inputs = new INDArray[layers];
        INDArray[] outputs = new INDArray[layers];
        INDArray a = x;
        for (int i = 0; i < layers; i++) {
            InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(i);
            if (pre != null) {
                a = pre.preProcess(a, n, MGR);
            }
            inputs[i] = a;
            a = net.getLayer(i).activate(a, false, MGR).dup();
            outputs[i] = a;
        }
        Layer outLayer = unwrap(net.getLayer(outputIndex));
        INDArray weights = outLayer.getParam("W");
        INDArray bias = outLayer.getParam("b");
        INDArray z = inputs[outputIndex].mmul(weights).addiRowVector(bias);
        INDArray direction;
        double[] logits = new double[n];
        double[] probabilities = new double[n];
        for (int k = 0; k < n; k++) {
            logits[k] = mergerColumn == 0 ? z.getDouble(k, 0) : z.getDouble(k, 1) - z.getDouble(k, 0);
            probabilities[k] = outputs[outputIndex].getDouble(k, mergerColumn);
        }
        if (mergerColumn == 0) {
            direction = weights.getColumn(0).dup();
            if (target == Target.NON_MERGER) {
                direction.negi();
            }
        } else {
            direction = weights.getColumn(target == Target.MERGER ? 1 : 0).dup();
        }
        // dy/d(input of the output layer) is the weight column, the same for every image
        INDArray eps = Nd4j.ones(direction.dataType(), n, 1).mmul(direction.reshape(1, direction.length()));
        for (int i = outputIndex; i > layer; i--) {
            if (i < outputIndex) {
                eps = backprop(i, inputs[i], eps);
            }
            InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(i);
            if (pre != null) {
                eps = pre.backprop(eps, n, MGR);
            }
        }
        return new Pass(outputs[layer], eps, logits, probabilities);
    }

    /**
     * @param activations   {@code A}, the target layer's output
     * @param gradients     {@code dy/dA}, same shape
     * @param logits        merger logit per image
     * @param probabilities merger probability per image
     */
    record Pass(INDArray activations, INDArray gradients, double[] logits, double[] probabilities) {
    }

    private INDArray backprop(int i, INDArray input, INDArray eps) throws DeepMergeException {
        Layer l = unwrap(net.getLayer(i));
        org.deeplearning4j.nn.conf.layers.Layer conf = l.conf().getLayer();
        if (conf instanceof DropoutLayer) {
            return eps; // inference: dropout is the identity
        }
        if (conf instanceof BatchNormalization) {
            // inference BN is y = s x + t per channel: s = BN(1) - BN(0), checked against BN(2) - BN(1)
            INDArray zero = l.activate(Nd4j.zeros(input.dataType(), input.shape()), false, MGR).dup();
            INDArray one = l.activate(Nd4j.ones(input.dataType(), input.shape()), false, MGR).dup();
            INDArray two = l.activate(Nd4j.ones(input.dataType(), input.shape()).muli(2), false, MGR).dup();
            INDArray s = one.sub(zero);
            double off = two.sub(one).subi(s).amaxNumber().doubleValue();
            if (off > 1e-4 * (1 + s.amaxNumber().doubleValue())) {
                throw new DeepMergeException(Reason.INVALID_MODEL, "Grad-CAM: batch normalisation '" + conf.getLayerName()
                        + "' is not affine in inference mode (an activation after it?)");
            }
            return eps.mul(s);
        }
        if (conf instanceof BaseOutputLayer) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "Grad-CAM: output layer '" + conf.getLayerName()
                    + "' before the last layer");
        }
        l.setInput(input, MGR);
        l.setInputMiniBatchSize((int) input.size(0));
        INDArray back = l.backpropGradient(eps, MGR).getSecond();
        if (back == null) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "Grad-CAM: layer '" + conf.getLayerName() + "' ("
                    + conf.getClass().getSimpleName() + ") gives no input gradient");
        }
        return back.dup();
    }

    private List<Map> batch(INDArray x, int h, int w, Target target) throws DeepMergeException {
        Pass r = activationsAndGradients(x, target);
        INDArray acts = r.activations();
        INDArray grads = r.gradients();
        double[] logits = r.logits();
        double[] probabilities = r.probabilities();
        if (acts.rank() != 4) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "Grad-CAM: layer '" + layerName() + "' has output shape "
                    + java.util.Arrays.toString(acts.shape()) + "; it needs [N,K,h,w] (a convolutional block layer)");
        }
        int n = (int) acts.size(0);
        int k = (int) acts.size(1);
        int ch = (int) acts.size(2);
        int cw = (int) acts.size(3);
        float[] av = acts.castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[] gv = grads.castTo(DataType.FLOAT).dup('c').data().asFloat();
        List<Map> out = new ArrayList<>(n);
        int plane = ch * cw;
        for (int i = 0; i < n; i++) {
            float[] coarse = camOf(av, gv, i * k * plane, k, plane);
            float peak = 0;
            for (float v : coarse) {
                peak = Math.max(peak, v);
            }
            float[] map = bilinear(coarse, ch, cw, h, w);
            if (peak > 0) {
                float max = 0;
                for (float v : map) {
                    max = Math.max(max, v);
                }
                for (int p = 0; p < map.length; p++) {
                    map[p] = max > 0 ? Math.min(1f, map[p] / max) : 0f;
                }
            } else {
                java.util.Arrays.fill(map, 0f);
            }
            out.add(new Map(map, h, w, coarse, ch, cw, logits[i], probabilities[i], peak));
        }
        return out;
    }

    /**
     * {@code ReLU(sum_k alpha_k A^k)} with {@code alpha_k} the mean of {@code dy/dA^k} over the plane.
     *
     * @param acts   activations, {@code [K,h,w]} of one image at {@code offset}
     * @param grads  gradients, same layout
     * @param offset first value of the image
     * @param k      K
     * @param plane  h*w
     * @return the coarse map {@code [h*w]}
     */
    static float[] camOf(float[] acts, float[] grads, int offset, int k, int plane) {
        double[] sum = new double[plane];
        for (int c = 0; c < k; c++) {
            int base = offset + c * plane;
            double alpha = 0;
            for (int p = 0; p < plane; p++) {
                alpha += grads[base + p];
            }
            alpha /= plane;
            for (int p = 0; p < plane; p++) {
                sum[p] += alpha * acts[base + p];
            }
        }
        float[] out = new float[plane];
        for (int p = 0; p < plane; p++) {
            out[p] = (float) Math.max(0, sum[p]);
        }
        return out;
    }

    /**
     * Bilinear resampling with pixel centres aligned ({@code src = (dst + 0.5) * in / out - 0.5}, clamped at the
     * edges), as an image resize.
     *
     * @param src {@code [h*w]}
     * @param h   input rows
     * @param w   input columns
     * @param oh  output rows
     * @param ow  output columns
     * @return {@code [oh*ow]}
     */
    static float[] bilinear(float[] src, int h, int w, int oh, int ow) {
        float[] out = new float[oh * ow];
        for (int y = 0; y < oh; y++) {
            double sy = Math.min(h - 1, Math.max(0, (y + 0.5) * h / oh - 0.5));
            int y0 = (int) Math.floor(sy);
            int y1 = Math.min(h - 1, y0 + 1);
            double fy = sy - y0;
            for (int x = 0; x < ow; x++) {
                double sx = Math.min(w - 1, Math.max(0, (x + 0.5) * w / ow - 0.5));
                int x0 = (int) Math.floor(sx);
                int x1 = Math.min(w - 1, x0 + 1);
                double fx = sx - x0;
                double top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx;
                double bottom = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx;
                out[y * ow + x] = (float) (top * (1 - fy) + bottom * fy);
            }
        }
        return out;
    }

    private org.deeplearning4j.nn.conf.layers.Layer confOf(int i) {
        return unwrap(net.getLayer(i)).conf().getLayer();
    }

    private static Layer unwrap(Layer l) {
        Layer x = l;
        while (true) {
            if (x instanceof FrozenLayer f) {
                x = f.getInsideLayer();
            } else if (x instanceof FrozenLayerWithBackprop f) {
                x = f.getInsideLayer();
            } else {
                return x;
            }
        }
    }
}
