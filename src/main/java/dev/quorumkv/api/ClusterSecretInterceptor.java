package dev.quorumkv.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Admits a request to /internal/** and /admin/** only with {@code Authorization: Bearer <cluster secret>}.
 * Both sides are hashed before a constant-time comparison, so neither the content nor the length of the
 * secret leaks through timing. A node without a secret (single node) admits no one: internal calls are
 * refused as unauthorized, admin calls as switched off (403), which says what to change.
 */
class ClusterSecretInterceptor implements HandlerInterceptor {

    static final String ADMIN_PREFIX = "/admin/";

    private final byte[] expectedDigest;

    ClusterSecretInterceptor(String secret) {
        this.expectedDigest = secret == null || secret.isBlank() ? null : sha256("Bearer " + secret);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (expectedDigest == null && request.getRequestURI().startsWith(ADMIN_PREFIX)) {
            throw new AdminApiOffException();
        }
        String presented = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (expectedDigest == null || presented == null || !MessageDigest.isEqual(expectedDigest, sha256(presented))) {
            throw new UnauthorizedPeerException(request.getRequestURI().startsWith(ADMIN_PREFIX) ? "the admin API" : "the internal replica API");
        }
        return true;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is required of every JVM", ex);
        }
    }

    /** The caller did not present the cluster secret. */
    static class UnauthorizedPeerException extends RuntimeException {

        UnauthorizedPeerException(String api) {
            super(api + " needs the cluster secret as a bearer token", null, false, false);
        }
    }

    /** A node without a cluster secret has no admin API: nobody could be told apart from an operator. */
    static class AdminApiOffException extends RuntimeException {

        AdminApiOffException() {
            super("the admin API is off on a node without quorumkv.cluster.secret: set it (env QUORUMKV_CLUSTER_SECRET) "
                    + "and call with Authorization: Bearer <secret>", null, false, false);
        }
    }
}
