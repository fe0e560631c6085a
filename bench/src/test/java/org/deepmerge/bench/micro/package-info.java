/**
 * JMH micro-benchmarks of the scoring hot path, one alert (or one image) per operation, on the real alerts in
 * {@code ../shared/data} (system property {@code deepmerge.data.dir}): reading the alert, gzip inflation, FITS
 * parsing, preprocessing into the {@code [3,75,75]} float32 model input, and the micro-batch buffer's encoding.
 * Run them with {@code scripts/jmh} (JMH's own options pass through, e.g. {@code scripts/jmh StampBench -f 1});
 * {@code MicroBenchmarksTest} runs each once so they cannot rot. Results and commands: docs/benchmarks.md.
 */
package org.deepmerge.bench.micro;
