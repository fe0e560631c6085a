package org.deepmerge.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensor names and shapes an ONNX graph declares, in graph order; dynamic dimensions are -1.
 * The part of the contract that can be inferred from the graph itself.
 *
 * @param inputs  input name to shape (e.g. {@code Galaxy Array -> [256, 3, 75, 75]})
 * @param outputs output name to shape (e.g. {@code 52 -> [256, 2]})
 */
public record GraphSignature(Map<String, List<Long>> inputs, Map<String, List<Long>> outputs) {

    public GraphSignature {
        inputs = copy(inputs);
        outputs = copy(outputs);
    }

    private static Map<String, List<Long>> copy(Map<String, List<Long>> m) {
        Map<String, List<Long>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return Collections.unmodifiableMap(out);
    }
}
