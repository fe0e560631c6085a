package org.deepmerge.app.ops;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Liveness and readiness of a {@code deepmerge serve} process, as {@code /livez} and {@code /readyz} report them.
 *
 * <ul>
 *   <li>live: the process is up and Kafka Streams is neither failed ({@code PENDING_ERROR}, {@code ERROR}) nor
 *       stopped ({@code PENDING_SHUTDOWN}, {@code NOT_RUNNING}) after it was started. Before Kafka Streams exists (model
 *       loading, topic creation) the process is live: a restart would not help.</li>
 *   <li>ready: Kafka Streams is {@code RUNNING} (not starting, not rebalancing) and a model is loaded and warmed.</li>
 * </ul>
 * Thread-safe: the HTTP server reads it while serve attaches the parts.
 */
public final class Health {
    /** One probe answer: whether it passes and a one-line reason. */
    public record Status(boolean ok, String detail) {
    }

    private volatile Supplier<KafkaStreams.State> streams;
    private volatile BooleanSupplier modelWarmed = () -> false;

    /** @param state the Kafka Streams instance's state (e.g. {@code streams::state}) */
    public void streams(Supplier<KafkaStreams.State> state) {
        this.streams = state;
    }

    /** @param warmed whether a model is loaded and warmed (e.g. {@code runtime::warmed}) */
    public void model(BooleanSupplier warmed) {
        this.modelWarmed = warmed;
    }

    /** @return the {@code /livez} answer */
    public Status live() {
        Supplier<KafkaStreams.State> s = streams;
        if (s == null) {
            return new Status(true, "starting: Kafka Streams not created yet");
        }
        KafkaStreams.State state = s.get();
        boolean ok = switch (state) {
            case PENDING_ERROR, ERROR, PENDING_SHUTDOWN, NOT_RUNNING -> false;
            default -> true;
        };
        return new Status(ok, "kafka streams " + state);
    }

    /** @return the {@code /readyz} answer */
    public Status ready() {
        Supplier<KafkaStreams.State> s = streams;
        KafkaStreams.State state = s == null ? null : s.get();
        boolean warmed = modelWarmed.getAsBoolean();
        boolean ok = state == KafkaStreams.State.RUNNING && warmed;
        return new Status(ok, "kafka streams " + (state == null ? "not created" : state) + ", model "
                + (warmed ? "loaded and warmed" : "not ready"));
    }
}
