package dev.quorumkv.system;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Reads a request body into memory with a hard limit, checked before reading when Content-Length is
 * given and while reading when it is not (chunked), so an oversized body never fills the heap. Reads the
 * servlet stream directly: the body is stored byte for byte whatever its Content-Type, form-encoded included.
 */
public final class RequestBodies {

    private RequestBodies() {
    }

    /** @throws BodyTooLargeException when the body is longer than {@code limit} bytes */
    public static byte[] read(HttpServletRequest request, long limit) {
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            throw new BodyTooLargeException(declared, limit);
        }
        try {
            if (declared >= 0) {
                return readDeclared(request, (int) declared);
            }
            byte[] body = request.getInputStream().readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (body.length > limit) {
                throw new BodyTooLargeException(-1, limit);
            }
            return body;
        }
        catch (IOException ex) {
            throw new UncheckedIOException("could not read the request body", ex);
        }
    }

    /** One array of the declared size: no growing buffers and copies for the common, sized body. */
    private static byte[] readDeclared(HttpServletRequest request, int length) throws IOException {
        byte[] body = new byte[length];
        int read = request.getInputStream().readNBytes(body, 0, length);
        if (read < length) {
            throw new EOFException("the body ended after " + read + " of its " + length + " bytes");
        }
        return body;
    }

    /** A body above the configured limit. */
    public static class BodyTooLargeException extends RuntimeException {

        private final long limit;

        BodyTooLargeException(long declared, long limit) {
            super((declared >= 0 ? "the body is " + declared + " bytes" : "the body is larger than the limit")
                    + "; at most " + limit + " bytes are allowed (quorumkv.max-value-bytes)");
            this.limit = limit;
        }

        public long limit() {
            return limit;
        }
    }
}
