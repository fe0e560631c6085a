package org.deepmerge.training.export;

import java.util.List;

/**
 * Independent reference of what Keras 2 (TensorFlow backend, {@code channels_first}) computes for the DeepMerge
 * Sequential model at inference, written from the Keras layer definitions, in double precision, straight from the
 * Keras-layout weights given to {@link KerasH5Writer}: Conv2D 'same' (cross-correlation, kernel
 * {@code [kH,kW,in,out]}, zero padding {@code floor((k-1)/2)} before), ReLU, BatchNormalization per channel
 * ({@code axis=1}) or per image column ({@code axis=-1}, the original DeepMerge)
 * {@code (x - moving_mean) / sqrt(moving_variance + eps) * gamma + beta}, MaxPooling2D 2x2 'valid', Flatten of
 * {@code [C,H,W]} in C order, Dense ({@code x . kernel[in,out] + bias}) with softmax, softmax, sigmoid.
 */
final class KerasDeepMergeReference {

    private static final double BN_EPS = 1e-3;

    private KerasDeepMergeReference() {
    }

    /**
     * @param w     the writer holding layers conv2d_1..3, batch_normalization_1..3, dense_1..3
     * @param x     input {@code [c,h,w]} of one image, C order
     * @param bnOverWidth true for Keras {@code axis=-1} (statistics per image column), false for {@code axis=1}
     * @return the merger probability
     */
    static double predict(KerasH5Writer w, float[] x, int c, int h, int wd, boolean bnOverWidth) {
        double[] a = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            a[i] = x[i];
        }
        int[] shape = {c, h, wd};
        for (int b = 1; b <= 3; b++) {
            List<KerasH5Writer.Weight> conv = w.weights("conv2d_" + b);
            a = convSameRelu(a, shape, conv.get(0), conv.get(1));
            shape = new int[]{(int) conv.get(0).shape()[3], shape[1], shape[2]};
            List<KerasH5Writer.Weight> bn = w.weights("batch_normalization_" + b);
            batchNorm(a, shape, bn.get(0).values(), bn.get(1).values(), bn.get(2).values(), bn.get(3).values(),
                    bnOverWidth);
            a = maxPool2(a, shape);
            shape = new int[]{shape[0], shape[1] / 2, shape[2] / 2};
        }
        for (int d = 1; d <= 3; d++) {
            List<KerasH5Writer.Weight> dense = w.weights("dense_" + d);
            a = dense(a, dense.get(0), dense.get(1));
            if (d < 3) {
                softmax(a);
            }
        }
        return 1.0 / (1.0 + Math.exp(-a[0]));
    }

    private static double[] convSameRelu(double[] in, int[] s, KerasH5Writer.Weight kernel, KerasH5Writer.Weight bias) {
        int kh = (int) kernel.shape()[0];
        int kw = (int) kernel.shape()[1];
        int cin = (int) kernel.shape()[2];
        int cout = (int) kernel.shape()[3];
        int h = s[1];
        int w = s[2];
        int ph = (kh - 1) / 2;
        int pw = (kw - 1) / 2;
        float[] k = kernel.values();
        double[] out = new double[cout * h * w];
        for (int o = 0; o < cout; o++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double sum = bias.values()[o];
                    for (int i = 0; i < cin; i++) {
                        for (int ky = 0; ky < kh; ky++) {
                            int yy = y + ky - ph;
                            if (yy < 0 || yy >= h) {
                                continue;
                            }
                            for (int kx = 0; kx < kw; kx++) {
                                int xx = x + kx - pw;
                                if (xx < 0 || xx >= w) {
                                    continue;
                                }
                                sum += in[(i * h + yy) * w + xx] * k[((ky * kw + kx) * cin + i) * cout + o];
                            }
                        }
                    }
                    out[(o * h + y) * w + x] = Math.max(0, sum);
                }
            }
        }
        return out;
    }

    private static void batchNorm(double[] a, int[] s, float[] gamma, float[] beta, float[] mean, float[] var,
                                  boolean overWidth) {
        for (int ch = 0; ch < s[0]; ch++) {
            for (int y = 0; y < s[1]; y++) {
                for (int x = 0; x < s[2]; x++) {
                    int k = overWidth ? x : ch;
                    int i = (ch * s[1] + y) * s[2] + x;
                    a[i] = (a[i] - mean[k]) / Math.sqrt(var[k] + BN_EPS) * gamma[k] + beta[k];
                }
            }
        }
    }

    private static double[] maxPool2(double[] a, int[] s) {
        int oh = s[1] / 2;
        int ow = s[2] / 2;
        double[] out = new double[s[0] * oh * ow];
        for (int ch = 0; ch < s[0]; ch++) {
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int dy = 0; dy < 2; dy++) {
                        for (int dx = 0; dx < 2; dx++) {
                            m = Math.max(m, a[(ch * s[1] + 2 * y + dy) * s[2] + 2 * x + dx]);
                        }
                    }
                    out[(ch * oh + y) * ow + x] = m;
                }
            }
        }
        return out;
    }

    private static double[] dense(double[] in, KerasH5Writer.Weight kernel, KerasH5Writer.Weight bias) {
        int nIn = (int) kernel.shape()[0];
        int nOut = (int) kernel.shape()[1];
        if (nIn != in.length) {
            throw new IllegalArgumentException("dense expects " + nIn + " inputs, got " + in.length);
        }
        double[] out = new double[nOut];
        for (int o = 0; o < nOut; o++) {
            double sum = bias.values()[o];
            for (int i = 0; i < nIn; i++) {
                sum += in[i] * kernel.values()[i * nOut + o];
            }
            out[o] = sum;
        }
        return out;
    }

    private static void softmax(double[] a) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : a) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            a[i] = Math.exp(a[i] - max);
            sum += a[i];
        }
        for (int i = 0; i < a.length; i++) {
            a[i] /= sum;
        }
    }
}
