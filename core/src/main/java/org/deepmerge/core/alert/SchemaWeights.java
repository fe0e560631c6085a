package org.deepmerge.core.alert;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Weigher;

/**
 * How much memory a cached writer schema is counted for, and how much the schema caches may hold.
 *
 * <p>Schema caches are bounded by bytes, not entries: a producer can send alerts with distinct writer schemas of
 * ~1.25 MB each, and 64 of them (the former entry bound) held ~1.3 GB. A parsed Avro schema takes about 6.5 times its
 * JSON text on the heap, with its resolved readers built ~17 times (1.25 MB of text held ~21 MB); a cached schema is
 * counted as {@value #BYTES_PER_TEXT_BYTE} bytes per byte of its JSON text.
 */
final class SchemaWeights {
    /** Default bound of each schema cache, estimated bytes: 32 MiB (~130 ZTF alert schemas of ~15 kB). */
    static final long DEFAULT_MAX_BYTES = 32L << 20;
    /** Estimated heap bytes per byte of schema JSON text, parsed schema and resolved readers together. */
    static final int BYTES_PER_TEXT_BYTE = 16;

    private SchemaWeights() {
    }

    /**
     * @param textBytes length of a schema's JSON text, bytes
     * @return its estimated heap footprint, bytes, at most {@link Integer#MAX_VALUE}
     */
    static int weigh(long textBytes) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, textBytes) * BYTES_PER_TEXT_BYTE);
    }

    /**
     * A Caffeine cache bounded by weight (Caffeine's size-based eviction, "Window TinyLFU"): entries are evicted once
     * their weights add up to more than {@code maxBytes}; an entry heavier than the whole bound is evicted right after
     * it is added (the caller still uses the value it computed). Maintenance runs on the calling thread, so the
     * weight is within the bound when a call returns.
     *
     * @param maxBytes bound on the summed weights, bytes, &gt; 0
     * @param weigher  estimated bytes of an entry, e.g. {@link #weigh(long)} of its schema text
     * @return the cache
     */
    static <K, V> Cache<K, V> cache(long maxBytes, Weigher<? super K, ? super V> weigher) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("schema cache bound must be > 0 bytes, got " + maxBytes);
        }
        return Caffeine.newBuilder().maximumWeight(maxBytes).weigher(weigher).executor(Runnable::run).build();
    }

    /** @return the summed weight of the cache's entries after pending maintenance, bytes */
    static long weight(Cache<?, ?> cache) {
        cache.cleanUp();
        return cache.policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }
}
