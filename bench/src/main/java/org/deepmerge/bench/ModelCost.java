package org.deepmerge.bench;

import java.util.List;
import java.util.Map;

/**
 * The arithmetic cost of one model input image, counted from the ONNX graph by {@link OnnxGraphCost}.
 *
 * <p>A multiply-add (MAC) is one multiplication and one addition, i.e. 2 floating-point operations. Only the
 * dense linear algebra is counted (Conv, ConvTranspose, Gemm, MatMul); bias additions, normalisation, activations
 * and pooling are a few percent of a CNN's work and are left out, as is usual for MAC counts (e.g. the figures in
 * the MobileNet and ResNet papers).
 *
 * @param macsPerImage  multiply-adds per input image {@code [C,H,W]}
 * @param parameters    number of values in the graph's initializers (weights, biases, BN statistics)
 * @param macsByOpType  MACs per image per operator type, e.g. {@code Conv}, {@code Gemm}
 * @param uncounted     nodes whose cost could not be counted (unknown input shape), with the reason; empty when
 *                      {@code macsPerImage} is complete
 */
public record ModelCost(long macsPerImage, long parameters, Map<String, Long> macsByOpType, List<String> uncounted) {

    public ModelCost {
        macsByOpType = Map.copyOf(macsByOpType);
        uncounted = List.copyOf(uncounted);
    }

    /** @return floating-point operations per image, 2 per multiply-add */
    public double flopsPerImage() {
        return 2.0 * macsPerImage;
    }

    /** @return true when every Conv/Gemm/MatMul node was counted */
    public boolean complete() {
        return uncounted.isEmpty();
    }
}
