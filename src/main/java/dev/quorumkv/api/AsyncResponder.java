package dev.quorumkv.api;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.quorumkv.api.RequestBodies.BodyInterruptedException;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answers a request whose result arrives later (replica replies) straight through the servlet
 * {@link AsyncContext}, without Spring MVC's async re-dispatch. That re-dispatch goes through the
 * container's path mapping again, which refuses paths that normalize differently ({@code ..}, {@code .},
 * {@code //} or a backslash inside a key), leaving such requests unanswered; it also costs a second pass
 * through every filter. The answer is written on a container thread, never on a network event loop.
 */
@Component
class AsyncResponder {

    private static final Logger log = LoggerFactory.getLogger(AsyncResponder.class);

    /** A backstop only: every replica call has its own deadline, so results come far sooner. */
    private static final long ASYNC_TIMEOUT_MILLIS = 60_000;

    /** Answers up to this size are written at once: they fit in the socket's buffers, so no thread waits on them. */
    private static final int WRITE_IN_PLACE_BYTES = 64 * 1024;
    private static final int WRITE_CHUNK_BYTES = 64 * 1024;

    private final JsonMapper json;

    AsyncResponder(JsonMapper json) {
        this.json = json;
    }

    /**
     * Puts the request in asynchronous mode, then starts the operation (which may read the body without
     * blocking, see {@link RequestBodies#readAsync}) and answers when it completes. Bad
     * input the operation throws before it has anything to wait for is answered like any other failure.
     */
    <T> void answer(HttpServletRequest request, HttpServletResponse response, Supplier<CompletableFuture<T>> operation,
            Function<T, ResponseEntity<?>> toResponse) {
        AsyncContext async = request.startAsync(request, response);
        async.setTimeout(ASYNC_TIMEOUT_MILLIS);
        AtomicBoolean answered = new AtomicBoolean();
        async.addListener(new ContainerAnswers(answered, request));
        started(operation).whenComplete((value, failure) -> {
            if (isCause(failure, BodyInterruptedException.class)) {
                return; // answered by ContainerAnswers.onError, which the container calls next
            }
            async.start(() -> {
                if (answered.compareAndSet(false, true)) {
                    respond(async, entity(request, value, failure, toResponse));
                }
            });
        });
    }

    private static boolean isCause(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    private static <T> CompletableFuture<T> started(Supplier<CompletableFuture<T>> operation) {
        try {
            return operation.get();
        }
        catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }

    private <T> ResponseEntity<?> entity(HttpServletRequest request, T value, Throwable failure,
            Function<T, ResponseEntity<?>> toResponse) {
        try {
            if (failure == null) {
                return toResponse.apply(value);
            }
            return problemFor(failure, request);
        }
        catch (RuntimeException ex) {
            return problemFor(ex, request);
        }
    }

    private static ResponseEntity<?> problemFor(Throwable failure, HttpServletRequest request) {
        return FailureProblems.answerFor(failure, request.getMethod(), request.getRequestURI())
                .<ResponseEntity<?>>map(answer -> answer).orElseGet(() -> {
                    log.error("Unexpected failure answering {} {}", request.getMethod(), request.getRequestURI(), failure);
                    return ResponseEntity.internalServerError().body(ProblemWriter.problem(HttpStatus.INTERNAL_SERVER_ERROR,
                            "Internal error", "the node failed to answer", request.getRequestURI()));
                });
    }

    /**
     * The operation's answer. A large one (a value read for a GET) is written as the client takes it (a
     * servlet {@link WriteListener}): a client reading slowly then holds its connection and the value's
     * bytes (counted by admission), never one of the container's few worker threads, which a handful of
     * slow readers would otherwise all block, peers' calls and health probes included.
     */
    private void respond(AsyncContext async, ResponseEntity<?> entity) {
        if (!(entity.getBody() instanceof byte[] body) || body.length <= WRITE_IN_PLACE_BYTES) {
            write(async, entity);
            return;
        }
        HttpServletResponse response = (HttpServletResponse) async.getResponse();
        try {
            response.setStatus(entity.getStatusCode().value());
            entity.getHeaders().forEach((name, values) -> values.forEach(headerValue -> response.addHeader(name, headerValue)));
            response.setContentLength(body.length);
            ServletOutputStream out = response.getOutputStream();
            out.setWriteListener(new LeavingBody(async, out, body));
        }
        catch (IOException | RuntimeException ex) {
            log.debug("Could not start writing the answer: {}", ex.toString());
            async.complete();
        }
    }

    private void write(AsyncContext async, ResponseEntity<?> entity) {
        HttpServletResponse response = (HttpServletResponse) async.getResponse();
        try {
            byte[] body = body(entity, response);
            response.setStatus(entity.getStatusCode().value());
            entity.getHeaders().forEach((name, values) -> values.forEach(headerValue -> response.addHeader(name, headerValue)));
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }
        catch (IOException ex) {
            log.debug("Client went away before its answer was written: {}", ex.getMessage());
        }
        catch (RuntimeException ex) {
            log.error("Could not write the answer", ex);
            response.setStatus(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
        }
        finally {
            async.complete();
        }
    }

    private byte[] body(ResponseEntity<?> entity, HttpServletResponse response) {
        Object body = entity.getBody();
        if (body == null) {
            return new byte[0];
        }
        if (body instanceof byte[] bytes) {
            return bytes;
        }
        if (body instanceof ProblemDetail problem) {
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            return ProblemWriter.json(problem);
        }
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        return json.writeValueAsBytes(body);
    }

    /** Writes a body as fast as the client reads it; the container calls it again each time the client has taken more. */
    private static final class LeavingBody implements WriteListener {

        private final AsyncContext async;
        private final ServletOutputStream out;
        private final byte[] body;
        private int written;

        LeavingBody(AsyncContext async, ServletOutputStream out, byte[] body) {
            this.async = async;
            this.out = out;
            this.body = body;
        }

        @Override
        public void onWritePossible() throws IOException {
            while (out.isReady()) {
                if (written == body.length) {
                    async.complete();
                    return;
                }
                int length = Math.min(WRITE_CHUNK_BYTES, body.length - written);
                out.write(body, written, length);
                written += length;
            }
        }

        /** The client went away or stopped reading past the container's timeout. */
        @Override
        public void onError(Throwable failure) {
            log.debug("Client went away before its answer was written: {}", failure.toString());
            async.complete();
        }
    }

    /**
     * Answers what the container reports rather than the operation: the backstop timeout, and a failed
     * connection (a body that stopped arriving within the container's timeout, or a client gone). The
     * latter is answered here, on the container's thread, because the async context may not be used once
     * {@code onError} returns.
     */
    private final class ContainerAnswers implements AsyncListener {

        private final AtomicBoolean answered;
        private final HttpServletRequest request;

        ContainerAnswers(AtomicBoolean answered, HttpServletRequest request) {
            this.answered = answered;
            this.request = request;
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            if (answered.compareAndSet(false, true)) {
                ProblemDetail problem = ProblemWriter.problem(HttpStatus.SERVICE_UNAVAILABLE, "Request timed out",
                        "no answer within " + ASYNC_TIMEOUT_MILLIS / 1000 + " s", request.getRequestURI());
                log.warn("Answer to {} {} timed out", request.getMethod(), request.getRequestURI());
                write(event.getAsyncContext(), ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(problem));
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
        }

        /**
         * A client that went away, or whose body stopped arriving within the container's timeout: Tomcat
         * treats both as a broken connection and closes it, so the write below usually fails quietly; the
         * point is to complete the request here rather than leave the container to answer a 500.
         */
        @Override
        public void onError(AsyncEvent event) {
            if (answered.compareAndSet(false, true)) {
                write(event.getAsyncContext(), problemFor(RequestBodies.unreadable(event.getThrowable()), request));
            }
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }
    }
}
