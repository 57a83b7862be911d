package dev.quorumkv.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Admits a request to /internal/** only with {@code Authorization: Bearer <cluster secret>}. Both sides
 * are hashed before a constant-time comparison, so neither the content nor the length of the secret leaks
 * through timing. A node without a secret (single node) admits no one.
 */
class ClusterSecretInterceptor implements HandlerInterceptor {

    private final byte[] expectedDigest;

    ClusterSecretInterceptor(String secret) {
        this.expectedDigest = secret == null || secret.isBlank() ? null : sha256("Bearer " + secret);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String presented = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (expectedDigest == null || presented == null || !MessageDigest.isEqual(expectedDigest, sha256(presented))) {
            throw new UnauthorizedPeerException();
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

        UnauthorizedPeerException() {
            super("the internal replica API needs the cluster secret as a bearer token", null, false, false);
        }
    }
}
