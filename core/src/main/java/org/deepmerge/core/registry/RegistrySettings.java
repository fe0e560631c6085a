package org.deepmerge.core.registry;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * How to talk to one Confluent-compatible schema registry, validated: where it is, the credentials, and the limits
 * that keep a slow, broken or hostile registry from stalling or exhausting the caller.
 *
 * <ul>
 *   <li>{@code url}: registry root, http or https, without credentials, query or fragment (credentials given in a URL
 *       are moved to {@code auth} by {@link #parse}); no trailing {@code /}.</li>
 *   <li>{@code auth}: {@link RegistryAuth} (none, basic, bearer).</li>
 *   <li>{@code timeout}: the most one attempt may take, from connecting to the last byte of the body (default
 *       {@link #DEFAULT_TIMEOUT}, 10 s).</li>
 *   <li>{@code maxResponseBytes}: the most body bytes read from one answer (default {@link #DEFAULT_MAX_RESPONSE_BYTES},
 *       8 MiB); a larger answer is refused when the limit is passed (IO_ERROR), not read to its end.</li>
 *   <li>{@code maxAttempts}: attempts per request, 1..{@value #MAX_ATTEMPTS_LIMIT}, the first included (default
 *       {@value #DEFAULT_MAX_ATTEMPTS}); only HTTP 408, 429, 5xx, timeouts and connection failures are retried.</li>
 *   <li>{@code retryBackoff}: wait before the first retry, doubled before each further one and capped at
 *       {@link #MAX_BACKOFF} (default {@link #DEFAULT_RETRY_BACKOFF}, 250 ms).</li>
 *   <li>{@code notFoundTtl}: how long an UNKNOWN_SCHEMA answer (404, not an Avro schema) is remembered (default 60 s;
 *       zero = not remembered).</li>
 *   <li>{@code unavailableTtl}: how long any other failure (retries exhausted, refused credentials, oversize answer) is
 *       remembered (default 10 s; zero = not remembered).</li>
 * </ul>
 * One request therefore takes at most {@link #maxRequestTime()}: 30.75 s with the defaults.
 *
 * <p>{@link #toString()} never shows a secret. Source: Confluent Schema Registry API reference and client settings
 * ({@code basic.auth.user.info}, {@code bearer.auth.token}).
 *
 * @param url              registry root without credentials
 * @param auth             credentials
 * @param timeout          per attempt, connect to last body byte, &gt; 0 and at most 10 min
 * @param maxResponseBytes largest answer body read, bytes, 1 KiB to 1 GiB
 * @param maxAttempts      attempts per request, 1..10
 * @param retryBackoff     first wait between attempts, 0 to 60 s
 * @param notFoundTtl      how long UNKNOWN_SCHEMA is remembered, &gt;= 0
 * @param unavailableTtl   how long other failures are remembered, &gt;= 0
 */
public record RegistrySettings(URI url, RegistryAuth auth, Duration timeout, long maxResponseBytes, int maxAttempts,
                               Duration retryBackoff, Duration notFoundTtl, Duration unavailableTtl) {
    /** Default per-attempt timeout: 10 s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** Default cap on an answer's body: 8 MiB (the largest Rubin alert schema is ~60 kB as registry JSON). */
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 8L << 20;
    /** Default attempts per request (the first and two retries). */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** Most attempts per request that may be configured. */
    public static final int MAX_ATTEMPTS_LIMIT = 10;
    /** Default wait before the first retry: 250 ms (then 500 ms, 1 s, ...). */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(250);
    /** Longest wait between two attempts, whatever the doubling reaches: 30 s. */
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** Default time an UNKNOWN_SCHEMA answer for an id is remembered: 60 s. */
    public static final Duration DEFAULT_NOT_FOUND_TTL = Duration.ofSeconds(60);
    /** Default time any other failure for an id or subject is remembered: 10 s. */
    public static final Duration DEFAULT_UNAVAILABLE_TTL = Duration.ofSeconds(10);

    private static final Pattern URL_USER_INFO = Pattern.compile("(?<=://)[^/?#]*@");

    /**
     * Validates.
     *
     * @throws IllegalArgumentException naming the bad value (never a secret)
     */
    public RegistrySettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        Objects.requireNonNull(notFoundTtl, "notFoundTtl");
        Objects.requireNonNull(unavailableTtl, "unavailableTtl");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("schema registry URL " + redactUrl(url.toString()) + " is not http(s)");
        }
        if (url.getRawUserInfo() != null) {
            throw new IllegalArgumentException("schema registry URL " + redactUrl(url.toString())
                    + " holds credentials: give them as auth (RegistrySettings.parse moves them)");
        }
        if (url.getHost() == null || url.getRawQuery() != null || url.getRawFragment() != null
                || (url.getRawPath() != null && url.getRawPath().endsWith("/"))) {
            throw new IllegalArgumentException("schema registry URL " + url + " must be scheme://host[:port][/path]"
                    + " without query, fragment or trailing /");
        }
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("schema registry timeout must be > 0 and at most 10 min, got " + timeout);
        }
        if (maxResponseBytes < 1024 || maxResponseBytes > (1L << 30)) {
            throw new IllegalArgumentException("schema registry max response bytes must be 1024..1073741824, got "
                    + maxResponseBytes);
        }
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
            throw new IllegalArgumentException("schema registry attempts must be 1.." + MAX_ATTEMPTS_LIMIT + ", got "
                    + maxAttempts);
        }
        if (retryBackoff.isNegative() || retryBackoff.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("schema registry retry backoff must be 0..60 s, got " + retryBackoff);
        }
        if (notFoundTtl.isNegative() || unavailableTtl.isNegative()) {
            throw new IllegalArgumentException("schema registry negative-cache TTLs must be >= 0, got "
                    + notFoundTtl + " and " + unavailableTtl);
        }
    }

    /**
     * Settings with the defaults, credentials taken from the URL if it has any.
     *
     * @param url registry root, e.g. {@code https://user:pw@registry.example.org}
     * @return the settings
     * @throws DeepMergeException INVALID_CONFIG when the URL is not a usable http(s) URL
     */
    public static RegistrySettings parse(String url) throws DeepMergeException {
        return parse(url, null, null);
    }

    /**
     * Settings with the defaults and the given credentials.
     *
     * <p>Credentials may come from the URL's user info ({@code https://user:password@host}, percent-encoded as URLs
     * require) or from {@code basicUserInfo} or {@code bearerToken}; giving more than one of the three is an error.
     * They are removed from the URL kept and used in requests and messages.
     *
     * @param url           registry root (http or https)
     * @param basicUserInfo {@code user:password} for HTTP basic auth, or null/empty
     * @param bearerToken   bearer token, or null/empty
     * @return the settings
     * @throws DeepMergeException INVALID_CONFIG naming what is wrong (the URL is shown without its credentials,
     *                            secrets never)
     */
    public static RegistrySettings parse(String url, String basicUserInfo, String bearerToken) throws DeepMergeException {
        if (url == null || url.isBlank()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "schema registry URL is empty");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "schema registry URL " + redactUrl(url)
                    + " is not a URL: " + e.getReason() + " at index " + e.getIndex());
        }
        boolean basic = basicUserInfo != null && !basicUserInfo.isEmpty();
        boolean bearer = bearerToken != null && !bearerToken.isEmpty();
        boolean inUrl = uri.getRawUserInfo() != null;
        if ((basic ? 1 : 0) + (bearer ? 1 : 0) + (inUrl ? 1 : 0) > 1) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "schema registry " + redactUrl(url)
                    + ": give one kind of credentials (user info in the URL, basic auth user info or bearer token), not "
                    + ((inUrl ? 1 : 0) + (basic ? 1 : 0) + (bearer ? 1 : 0)));
        }
        try {
            RegistryAuth auth = basic ? RegistryAuth.basic(basicUserInfo)
                    : bearer ? RegistryAuth.bearer(bearerToken)
                    : inUrl ? RegistryAuth.basic(uri.getUserInfo())
                    : RegistryAuth.none();
            String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
            URI clean = new URI(uri.getScheme() + "://" + hostPort(uri) + path
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                    + (uri.getRawFragment() == null ? "" : "#" + uri.getRawFragment()));
            return new RegistrySettings(clean, auth, DEFAULT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_ATTEMPTS,
                    DEFAULT_RETRY_BACKOFF, DEFAULT_NOT_FOUND_TTL, DEFAULT_UNAVAILABLE_TTL);
        } catch (IllegalArgumentException | URISyntaxException e) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "schema registry " + redactUrl(url) + ": "
                    + (e instanceof URISyntaxException u ? u.getReason() : e.getMessage()));
        }
    }

    private static String hostPort(URI uri) {
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("the URL has no host");
        }
        return uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
    }

    /**
     * @param url any URL text
     * @return the text with the user info of {@code scheme://user:password@host} replaced by {@value RegistryAuth#MASK};
     *         null for null
     */
    public static String redactUrl(String url) {
        return url == null ? null : URL_USER_INFO.matcher(url).replaceFirst(RegistryAuth.MASK + "@");
    }

    /** @param timeout per-attempt timeout @return a copy with it */
    public RegistrySettings withTimeout(Duration timeout) {
        return new RegistrySettings(url, auth, timeout, maxResponseBytes, maxAttempts, retryBackoff, notFoundTtl,
                unavailableTtl);
    }

    /** @param bytes largest answer body read, bytes @return a copy with it */
    public RegistrySettings withMaxResponseBytes(long bytes) {
        return new RegistrySettings(url, auth, timeout, bytes, maxAttempts, retryBackoff, notFoundTtl, unavailableTtl);
    }

    /**
     * @param attempts attempts per request, the first included
     * @param backoff  wait before the first retry (doubled before each further one)
     * @return a copy with them
     */
    public RegistrySettings withRetries(int attempts, Duration backoff) {
        return new RegistrySettings(url, auth, timeout, maxResponseBytes, attempts, backoff, notFoundTtl, unavailableTtl);
    }

    /**
     * @param notFound    how long UNKNOWN_SCHEMA is remembered (zero: not at all)
     * @param unavailable how long other failures are remembered (zero: not at all)
     * @return a copy with them
     */
    public RegistrySettings withNegativeCacheTtl(Duration notFound, Duration unavailable) {
        return new RegistrySettings(url, auth, timeout, maxResponseBytes, maxAttempts, retryBackoff, notFound, unavailable);
    }

    /**
     * @param retry the number of the retry, 1 for the first
     * @return the wait before it: {@code retryBackoff * 2^(retry-1)}, at most {@link #MAX_BACKOFF}
     */
    public Duration backoffBefore(int retry) {
        long ms = retryBackoff.toMillis() << Math.min(20, Math.max(0, retry - 1));
        return Duration.ofMillis(Math.min(ms, MAX_BACKOFF.toMillis()));
    }

    /** @return the longest one request can take: every attempt timing out plus every backoff in between */
    public Duration maxRequestTime() {
        Duration total = timeout.multipliedBy(maxAttempts);
        for (int r = 1; r < maxAttempts; r++) {
            total = total.plus(backoffBefore(r));
        }
        return total;
    }

    /** @return the settings with the URL and the kind of credentials, never a secret */
    @Override
    public String toString() {
        return "RegistrySettings[url=" + url + ", auth=" + auth + ", timeout=" + timeout.toMillis() + " ms"
                + ", maxResponseBytes=" + maxResponseBytes + ", maxAttempts=" + maxAttempts + ", retryBackoff="
                + retryBackoff.toMillis() + " ms, notFoundTtl=" + notFoundTtl.toMillis() + " ms, unavailableTtl="
                + unavailableTtl.toMillis() + " ms]";
    }
}
