package org.deepmerge.bench.micro;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.deepmerge.core.testing.TestData;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Runs each JMH benchmark method once on the real alerts, outside JMH, and checks what it computes, so the
 * benchmarks keep compiling and measuring the production path; and checks the JMH harness was generated.
 */
class MicroBenchmarksTest {

    private static final String BLACKHOLE_OK =
            "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.";

    @ParameterizedTest
    @ValueSource(strings = {"ztf", "rubin-v9_0"})
    void eachBenchmarkComputesWhatTheProductionPathDoes(String folder) throws Exception {
        TestData.require("alerts/" + folder);
        HotPathBench b = new HotPathBench();
        b.alerts = folder;
        b.load();
        Blackhole bh = new Blackhole(BLACKHOLE_OK);
        assertTrue(b.data.messages().size() > 1, "benchmarks cycle over several alerts");
        assertEquals(b.data.decoded().get(0).size(), b.readAlert().size(), "alert 0's stamp for each channel");
        b.restart();
        b.inflate(bh);
        b.restart();
        b.parseFits(bh);
        b.restart();
        float[] viaSteps = b.preprocess().clone();
        b.restart();
        float[] whole = b.prepare().image();
        assertEquals(b.data.prep().contract().imageSize(), viaSteps.length);
        assertArrayEquals(whole, viaSteps, "the steps on alert 0 give prepare()'s model input");
        assertFalse(Arrays.equals(whole, b.prepare().image()), "the next operation takes the next alert");

        BufferBench buffer = new BufferBench();
        buffer.alerts = folder;
        buffer.load();
        int n = buffer.images.size();
        for (int i = 0; i < n; i++) {
            assertArrayEquals(buffer.encoded.get(i), buffer.encode(), "encode() takes image " + i);
        }
        for (int i = 0; i < n; i++) {
            assertArrayEquals(buffer.images.get(i).input().image(), buffer.decode().input().image(),
                    "decode() gives image " + i);
        }
    }

    @Test
    void theJmhHarnessIsGeneratedForEveryBenchmark() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/BenchmarkList")) {
            assertTrue(in != null, "JMH's annotation processor wrote META-INF/BenchmarkList");
            String list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (String m : new String[] {"HotPathBench_readAlert", "HotPathBench_inflate", "HotPathBench_parseFits",
                    "HotPathBench_preprocess", "HotPathBench_prepare", "BufferBench_encode", "BufferBench_decode"}) {
                assertTrue(list.contains(m + "_jmhTest"), m + " in the benchmark list");
            }
        }
    }
}
