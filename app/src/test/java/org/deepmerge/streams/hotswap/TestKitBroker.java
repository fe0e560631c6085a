package org.deepmerge.streams.hotswap;

import org.junit.jupiter.api.Assumptions;

/**
 * A real single-node KRaft broker in this JVM (Kafka's {@code KafkaClusterTestKit}), reached by reflection so that
 * this module's pom needs no broker test dependency of its own: the test runs where
 * {@code org.apache.kafka:kafka-test-common-runtime} is on the streams test classpath and is skipped (aborted, with
 * the reason) where it is not.
 */
final class TestKitBroker {
    private static final String PKG = "org.apache.kafka.common.test.";
    private final AutoCloseable kit;
    private final String bootstrap;

    private TestKitBroker(AutoCloseable kit, String bootstrap) {
        this.kit = kit;
        this.bootstrap = bootstrap;
    }

    /** @return a started broker; aborts the calling test when the test kit is not on the classpath */
    static TestKitBroker start() throws Exception {
        Class<?> nodesBuilder;
        try {
            nodesBuilder = Class.forName(PKG + "TestKitNodes$Builder");
        } catch (ClassNotFoundException e) {
            Assumptions.abort("org.apache.kafka:kafka-test-common-runtime is not on the streams test classpath");
            throw new IllegalStateException("unreachable", e);
        }
        Object nb = nodesBuilder.getConstructor().newInstance();
        nodesBuilder.getMethod("setCombined", boolean.class).invoke(nb, true);
        nodesBuilder.getMethod("setNumBrokerNodes", int.class).invoke(nb, 1);
        nodesBuilder.getMethod("setNumControllerNodes", int.class).invoke(nb, 1);
        Object nodes = nodesBuilder.getMethod("build").invoke(nb);
        Class<?> kitBuilder = Class.forName(PKG + "KafkaClusterTestKit$Builder");
        Object kb = kitBuilder.getConstructor(Class.forName(PKG + "TestKitNodes")).newInstance(nodes);
        AutoCloseable kit = (AutoCloseable) kitBuilder.getMethod("build").invoke(kb);
        try {
            kit.getClass().getMethod("format").invoke(kit);
            kit.getClass().getMethod("startup").invoke(kit);
            kit.getClass().getMethod("waitForReadyBrokers").invoke(kit);
            return new TestKitBroker(kit, (String) kit.getClass().getMethod("bootstrapServers").invoke(kit));
        } catch (Exception e) {
            kit.close();
            throw e;
        }
    }

    /** @return host:port list for clients */
    String bootstrapServers() {
        return bootstrap;
    }

    /** Stops the broker and deletes its data. */
    void stop() throws Exception {
        kit.close();
    }
}
