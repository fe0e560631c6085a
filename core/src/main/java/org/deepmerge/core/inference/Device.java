package org.deepmerge.core.inference;

/** Where ONNX Runtime runs. */
public enum Device {
    /** CUDA when a GPU and the CUDA execution provider are present, else CPU (logged once). */
    AUTO,
    /** CPU execution provider. */
    CPU,
    /** CUDA execution provider; fails with DEVICE_UNAVAILABLE if it cannot be used. */
    CUDA
}
