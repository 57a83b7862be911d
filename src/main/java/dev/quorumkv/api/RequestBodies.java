package dev.quorumkv.api;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;

import dev.quorumkv.InvalidInputException;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Reads a request body into memory with a hard limit, checked before reading when Content-Length is
 * given and while reading when it is not (chunked), so an oversized body never fills the heap. Reads the
 * servlet stream directly: the body is stored byte for byte whatever its Content-Type, form-encoded included.
 * {@link #read} blocks its thread until the body is in; {@link #readAsync} holds no thread while bytes
 * are still on the wire.
 */
final class RequestBodies {

    /** The largest array the JVM reliably allocates. */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    private static final int FIRST_CHUNKED_CAPACITY = 8 * 1024;

    private RequestBodies() {
    }

    /**
     * @throws BodyTooLargeException when the body is longer than {@code limit} bytes
     * @throws UnreadableBodyException when it cannot be read to its end
     */
    static byte[] read(HttpServletRequest request, long limit) {
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            throw new BodyTooLargeException(declared, limit);
        }
        try {
            if (declared >= 0) {
                return readDeclared(request, (int) declared);
            }
            byte[] body = request.getInputStream().readNBytes((int) Math.min(limit + 1, MAX_ARRAY));
            if (body.length > limit) {
                throw new BodyTooLargeException(-1, limit);
            }
            return body;
        }
        catch (IOException ex) {
            throw unreadable(ex);
        }
    }

    /**
     * The body, read as it arrives (a servlet {@link ReadListener}): a client that sends its body slowly
     * occupies a connection, not one of the container's worker threads. The request must be asynchronous
     * already. Failures are those of {@link #read}: {@link BodyTooLargeException}, or an
     * {@link UnreadableBodyException} when the body cannot be read to its end.
     */
    static CompletableFuture<byte[]> readAsync(HttpServletRequest request, long limit) {
        return readAsync(request, limit, capacity -> null);
    }

    /**
     * As {@link #readAsync(HttpServletRequest, long)}; before a body of unknown length (chunked) grows its
     * buffer to {@code capacity} bytes, {@code refusalToGrowTo} is asked for a refusal: null lets it grow,
     * an exception ends the read with it (the node has no room for more of this body).
     */
    static CompletableFuture<byte[]> readAsync(HttpServletRequest request, long limit, LongFunction<RuntimeException> refusalToGrowTo) {
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            return CompletableFuture.failedFuture(new BodyTooLargeException(declared, limit));
        }
        CompletableFuture<byte[]> body = new CompletableFuture<>();
        try {
            ServletInputStream in = request.getInputStream();
            in.setReadListener(new ArrivingBody(in, declared, limit, refusalToGrowTo, body));
        }
        catch (IOException ex) {
            body.completeExceptionally(unreadable(ex));
        }
        return body;
    }

    /** The buffer a body of unknown length (chunked) starts with; it doubles as the body arrives. */
    static int firstChunkedCapacity(long limit) {
        return (int) Math.min(limit + 1, FIRST_CHUNKED_CAPACITY);
    }

    /** A body that could not be read to its end, for whatever reason the container gave. */
    static UnreadableBodyException unreadable(Throwable cause) {
        return new UnreadableBodyException(cause);
    }

    private static IOException asIOException(Throwable cause) {
        return cause instanceof IOException ex ? ex : new IOException(cause.getMessage(), cause);
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

    /**
     * Collects a body as the container reports bytes ready; the container never calls it concurrently. A sized
     * body goes into one array of its declared length (the container ends the stream there); a chunked one
     * into an array that doubles up to one byte past the limit, which is how an oversized one is noticed.
     */
    private static final class ArrivingBody implements ReadListener {

        private final ServletInputStream in;
        private final boolean sized;
        private final long limit;
        private final LongFunction<RuntimeException> refusalToGrowTo;
        private final CompletableFuture<byte[]> body;
        private byte[] buffer;
        private int length;

        ArrivingBody(ServletInputStream in, long declared, long limit, LongFunction<RuntimeException> refusalToGrowTo,
                CompletableFuture<byte[]> body) {
            this.in = in;
            this.sized = declared >= 0;
            this.limit = limit;
            this.refusalToGrowTo = refusalToGrowTo;
            this.body = body;
            this.buffer = new byte[sized ? (int) declared : firstChunkedCapacity(limit)];
        }

        @Override
        public void onDataAvailable() throws IOException {
            while (!body.isDone() && in.isReady()) {
                if (length == buffer.length && !makeRoom()) {
                    return;
                }
                int read = in.read(buffer, length, buffer.length - length);
                if (read < 0) {
                    return;
                }
                length += read;
            }
        }

        /** False when the body has no room left: a sized body is complete, a chunked one is over the limit. */
        private boolean makeRoom() {
            if (sized) {
                return false;
            }
            if (length > limit) {
                body.completeExceptionally(new BodyTooLargeException(-1, limit));
                return false;
            }
            int capacity = (int) Math.min(Math.min((long) buffer.length * 2, limit + 1), MAX_ARRAY);
            RuntimeException refusal = refusalToGrowTo.apply(capacity);
            if (refusal != null) {
                body.completeExceptionally(refusal);
                return false;
            }
            buffer = Arrays.copyOf(buffer, capacity);
            return true;
        }

        @Override
        public void onAllDataRead() {
            if (sized && length < buffer.length) {
                body.completeExceptionally(unreadable(new EOFException(
                        "the body ended after " + length + " of its " + buffer.length + " bytes")));
            }
            else if (length > limit) {
                body.completeExceptionally(new BodyTooLargeException(-1, limit));
            }
            else {
                body.complete(length == buffer.length ? buffer : Arrays.copyOf(buffer, length));
            }
        }

        /** The container goes on to the request's {@code AsyncListener.onError}, which answers the client. */
        @Override
        public void onError(Throwable failure) {
            body.completeExceptionally(new BodyInterruptedException(asIOException(failure)));
        }
    }

    /**
     * The connection failed while the body was arriving (it stopped arriving within the container's
     * timeout, or the client went away), as the container reported it. The container then reports the
     * same to the request's {@code AsyncListener.onError}: that is where the client is answered, because
     * once it returns the request's async context may no longer be used.
     */
    static class BodyInterruptedException extends UncheckedIOException {

        BodyInterruptedException(IOException cause) {
            super("the request body stopped before its end", cause);
        }
    }

    /** A body above the configured limit: 413. */
    static class BodyTooLargeException extends InvalidInputException {

        private final long limit;

        BodyTooLargeException(long declared, long limit) {
            super("Value too large", (declared >= 0 ? "the body is " + declared + " bytes" : "the body is larger than the limit")
                    + "; at most " + limit + " bytes are allowed (quorumkv.max-value-bytes)");
            this.limit = limit;
        }

        long limit() {
            return limit;
        }
    }

    /** A body that could not be read to its end: 408 when it stopped arriving within the container's timeout, else 400. */
    static class UnreadableBodyException extends InvalidInputException {

        private final boolean timedOut;

        UnreadableBodyException(Throwable cause) {
            super(cause instanceof SocketTimeoutException ? "Request body timed out" : "Unreadable request body",
                    cause instanceof SocketTimeoutException ? "the request body stopped arriving before its end"
                            : "the request body could not be read to its end: " + cause.getMessage());
            this.timedOut = cause instanceof SocketTimeoutException;
            initCause(cause);
        }

        boolean timedOut() {
            return timedOut;
        }
    }
}
