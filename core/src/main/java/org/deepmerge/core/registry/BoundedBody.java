package org.deepmerge.core.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A {@link HttpResponse.BodyHandler} that reads at most a given number of body bytes: an answer whose
 * {@code Content-Length} declares more is refused before its body is read, and a body that grows past the limit is
 * refused as soon as it does (the subscription is cancelled, which closes the connection), so a huge or endless
 * answer costs at most the limit plus one buffer of the HTTP client (16 KiB) on the heap.
 */
final class BoundedBody implements HttpResponse.BodyHandler<byte[]> {

    /** An answer larger than the limit. */
    static final class TooLarge extends IOException {
        private final long limit;
        private final long bytesRead;
        private final long declared;

        TooLarge(long limit, long bytesRead, long declared) {
            super(declared >= 0
                    ? "answer declares Content-Length " + declared + " bytes, more than the limit of " + limit + " bytes"
                    : "answer body passed the limit of " + limit + " bytes (refused after reading " + bytesRead
                    + " bytes)");
            this.limit = limit;
            this.bytesRead = bytesRead;
            this.declared = declared;
        }

        /** @return the limit, bytes */
        long limit() {
            return limit;
        }

        /** @return body bytes received before refusing */
        long bytesRead() {
            return bytesRead;
        }

        /** @return the declared Content-Length, or -1 when the body outgrew the limit */
        long declared() {
            return declared;
        }
    }

    private final long limit;

    /** @param limit most body bytes read, bytes */
    BoundedBody(long limit) {
        this.limit = limit;
    }

    @Override
    public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
        long declared = -1;
        try {
            OptionalLong length = info.headers().firstValueAsLong("Content-Length");
            declared = length.orElse(-1);
        } catch (NumberFormatException e) {
            // not a number: the client will fail on it, or the body is counted as it comes
        }
        return new Subscriber(limit, declared > limit ? declared : -1);
    }

    private static final class Subscriber implements HttpResponse.BodySubscriber<byte[]> {
        private final long limit;
        private final long declaredTooLarge;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;
        private long received;

        Subscriber(long limit, long declaredTooLarge) {
            this.limit = limit;
            this.declaredTooLarge = declaredTooLarge;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (declaredTooLarge >= 0) {
                s.cancel();
                result.completeExceptionally(new TooLarge(limit, 0, declaredTooLarge));
            } else {
                s.request(1);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : buffers) {
                received += b.remaining();
                if (received > limit) {
                    subscription.cancel();
                    result.completeExceptionally(new TooLarge(limit, received, -1));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.writeBytes(chunk);
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }
    }
}
