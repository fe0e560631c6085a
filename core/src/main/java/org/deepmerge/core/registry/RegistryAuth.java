package org.deepmerge.core.registry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Credentials for a schema registry: none, HTTP basic ({@code Authorization: Basic base64(user:password)}, RFC 7617;
 * Confluent's {@code basic.auth.user.info} convention {@code "user:password"}) or a bearer token
 * ({@code Authorization: Bearer <token>}, RFC 6750; Confluent's {@code bearer.auth.token}).
 *
 * <p>The secret never leaves this object except as the {@code Authorization} header of a request: {@link #toString()}
 * names the kind (and the basic-auth user) only, and {@link #redact(String)} removes the secret, in every form it is
 * sent, from text that came back from a server. Immutable and thread-safe.
 */
public final class RegistryAuth {
    /** How the registry is authenticated to. */
    public enum Kind {
        /** No {@code Authorization} header. */
        NONE,
        /** HTTP basic authentication. */
        BASIC,
        /** A bearer token (e.g. an OAuth access token). */
        BEARER
    }

    /** What a secret is replaced with in text. */
    public static final String MASK = "[hidden]";

    private static final RegistryAuth NONE = new RegistryAuth(Kind.NONE, null, null);

    private final Kind kind;
    /** Basic: the user name (not secret); otherwise null. */
    private final String user;
    /** Basic: "user:password"; bearer: the token; none: null. */
    private final String secret;

    private RegistryAuth(Kind kind, String user, String secret) {
        this.kind = kind;
        this.user = user;
        this.secret = secret;
    }

    /** @return no credentials */
    public static RegistryAuth none() {
        return NONE;
    }

    /**
     * @param userInfo {@code user:password} (Confluent's {@code basic.auth.user.info}); the password may contain
     *                 {@code ':'}, the user may not
     * @return basic-auth credentials
     * @throws IllegalArgumentException when there is no {@code ':'} or the user name is empty (the message does not
     *                                  contain the value)
     */
    public static RegistryAuth basic(String userInfo) {
        Objects.requireNonNull(userInfo, "userInfo");
        int colon = userInfo.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("basic auth user info must be user:password (value " + MASK + ")");
        }
        return new RegistryAuth(Kind.BASIC, userInfo.substring(0, colon), userInfo);
    }

    /**
     * @param token the bearer token
     * @return bearer-token credentials
     * @throws IllegalArgumentException when the token is blank or holds whitespace (the message does not contain it)
     */
    public static RegistryAuth bearer(String token) {
        Objects.requireNonNull(token, "token");
        if (token.isBlank() || token.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("bearer token must be non-empty without whitespace (value " + MASK + ")");
        }
        return new RegistryAuth(Kind.BEARER, null, token);
    }

    /** @return the kind of credentials */
    public Kind kind() {
        return kind;
    }

    /** @return the value of the {@code Authorization} header, empty for {@link Kind#NONE} */
    Optional<String> authorization() {
        return switch (kind) {
            case NONE -> Optional.empty();
            case BASIC -> Optional.of("Basic " + base64(secret));
            case BEARER -> Optional.of("Bearer " + secret);
        };
    }

    /**
     * Removes the secret from text a server sent back (an error body may echo the request): every occurrence of the
     * password, the {@code user:password} pair, its base64 form and the bearer token is replaced by {@value #MASK}.
     *
     * @param text any text, may be null
     * @return the text without the secret; null for null
     */
    public String redact(String text) {
        if (text == null || secret == null) {
            return text;
        }
        String out = text;
        for (String s : secretForms()) {
            if (!s.isEmpty()) {
                out = out.replace(s, MASK);
            }
        }
        return out;
    }

    /** @return length of the longest form of the secret in text, chars (0 without credentials) */
    int longestSecret() {
        return secret == null ? 0 : secretForms().get(0).length();
    }

    /** @return the forms in which the secret can appear, longest first */
    private List<String> secretForms() {
        List<String> forms = new ArrayList<>();
        forms.add(base64(secret));
        forms.add(secret);
        if (kind == Kind.BASIC) {
            forms.add(secret.substring(user.length() + 1));
        }
        forms.sort((a, b) -> Integer.compare(b.length(), a.length()));
        return forms;
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RegistryAuth a && a.kind == kind && Objects.equals(a.secret, secret);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, secret);
    }

    /** @return {@code none}, {@code basic auth as <user>} or {@code bearer token}; never the secret */
    @Override
    public String toString() {
        return switch (kind) {
            case NONE -> "none";
            case BASIC -> "basic auth as " + user;
            case BEARER -> "bearer token";
        };
    }
}
