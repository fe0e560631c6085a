#!/usr/bin/env python3
"""Time gzip inflation of saved stamps outside the JVM, as an independent reference for `bench decode`.

Usage (docs/benchmarks.md, "Results, fourth round"):
    java -jar bench/target/deepmerge-bench.jar bench decode ../shared/data/alerts/ztf --save-stamps /tmp/stamps
    python3 scripts/inflate_reference.py /tmp/stamps

Prints microseconds per stamp for Python's zlib module (the same system libz the JDK's Inflater calls on
Debian) and, when the shared library is installed (Debian package libdeflate0), for libdeflate's whole-buffer
gzip decompressor through ctypes (its call overhead included). Standard library only.
"""
import ctypes
import ctypes.util
import glob
import os
import sys
import time
import zlib

PASSES = 200


def per_stamp_us(fn, stamps):
    for b in stamps:  # warm-up
        fn(b)
    t = time.perf_counter()
    for _ in range(PASSES):
        for b in stamps:
            fn(b)
    return (time.perf_counter() - t) / (PASSES * len(stamps)) * 1e6


def libdeflate_gunzip():
    name = ctypes.util.find_library("deflate")
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    lib.libdeflate_alloc_decompressor.restype = ctypes.c_void_p
    lib.libdeflate_gzip_decompress.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                               ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]
    decompressor = lib.libdeflate_alloc_decompressor()
    out = ctypes.create_string_buffer(1 << 24)
    size = ctypes.c_size_t()

    def gunzip(b):
        if lib.libdeflate_gzip_decompress(decompressor, b, len(b), out, len(out), ctypes.byref(size)) != 0:
            raise ValueError("libdeflate cannot inflate a stamp")
        return size.value

    return gunzip


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: inflate_reference.py DIR   (stamps saved by `bench decode --save-stamps DIR`)")
    paths = sorted(glob.glob(os.path.join(sys.argv[1], "*.gz")))
    if not paths:
        sys.exit("no *.gz stamps in " + sys.argv[1])
    stamps = [open(p, "rb").read() for p in paths]
    inflated = sum(len(zlib.decompress(b, 31)) for b in stamps)
    print(f"{len(stamps)} gzipped stamps, mean {sum(map(len, stamps)) / len(stamps):.0f} B -> "
          f"{inflated / len(stamps):.0f} B")
    print(f"zlib {zlib.ZLIB_RUNTIME_VERSION} (Python zlib module): "
          f"{per_stamp_us(lambda b: zlib.decompress(b, 31), stamps):.1f} us per stamp")
    gunzip = libdeflate_gunzip()
    if gunzip is None:
        print("libdeflate: not installed (Debian package libdeflate0)")
    else:
        print(f"libdeflate (ctypes): {per_stamp_us(gunzip, stamps):.1f} us per stamp")


if __name__ == "__main__":
    main()
