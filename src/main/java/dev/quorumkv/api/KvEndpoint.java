package dev.quorumkv.api;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.QuorumKvProperties;
import dev.quorumkv.api.AdmissionControl.OverloadedException;
import dev.quorumkv.api.AdmissionControl.Requester;
import dev.quorumkv.api.AdmissionControl.Reservation;
import dev.quorumkv.api.RequestBodies.BodyInterruptedException;
import dev.quorumkv.coordinator.CoordinatorMetrics;
import dev.quorumkv.coordinator.Operation;
import dev.quorumkv.coordinator.Quorum;
import dev.quorumkv.coordinator.QuorumFailedException;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;
import dev.quorumkv.coordinator.QuorumReadService;
import dev.quorumkv.coordinator.QuorumReadService.ReadResult;
import dev.quorumkv.coordinator.QuorumWriteService;
import dev.quorumkv.coordinator.QuorumWriteService.WriteResult;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The client API, {@code /kv/{key}}, entered by its raw path ({@link KvRawPathFilter}). Whichever node a
 * request reaches coordinates it; answers are asynchronous (no request thread waits for replicas) and
 * written by {@link AsyncResponder}, errors included, as RFC 9457 problems. Everything in the request is
 * validated before anything is stamped or sent, so bad input never changes stored data; each refusal is
 * counted as an {@code invalid} read or write where it is found.
 */
@Component
class KvEndpoint {

    static final String X_VERSION = "X-Version";
    static final String X_QUORUM_ACKS = "X-Quorum-Acks";
    static final String X_CONTEXT = "X-Context";
    static final String PREFIX = "/kv/";
    private static final String ALLOWED = "GET, HEAD, PUT, DELETE, OPTIONS";

    private final QuorumWriteService writes;
    private final QuorumReadService reads;
    private final CoordinatorMetrics metrics;
    private final AsyncResponder responder;
    private final long maxValueBytes;
    private final AdmissionControl admission;
    private final InFlightBytes costs;
    private final Quorum quorum;

    KvEndpoint(QuorumWriteService writes, QuorumReadService reads, CoordinatorMetrics metrics, AsyncResponder responder,
            QuorumKvProperties properties, AdmissionControl admission, InFlightBytes costs, Quorum quorum) {
        this.writes = writes;
        this.reads = reads;
        this.metrics = metrics;
        this.responder = responder;
        this.maxValueBytes = properties.maxValueBytes().toBytes();
        this.admission = admission;
        this.costs = costs;
        this.quorum = quorum;
    }

    /** Any request whose raw path is {@code /kv} or starts with {@code /kv/}. */
    void serve(HttpServletRequest request, HttpServletResponse response) {
        switch (request.getMethod()) {
            case "PUT" -> responder.answer(request, response, () -> put(request), KvEndpoint::written);
            case "DELETE" -> responder.answer(request, response, () -> delete(request), KvEndpoint::written);
            case "GET", "HEAD" -> responder.answer(request, response, () -> get(request), KvEndpoint::found);
            case "OPTIONS" -> responder.answer(request, response, () -> {
                key(request);
                return CompletableFuture.completedFuture(null);
            }, ignored -> ResponseEntity.ok().header(HttpHeaders.ALLOW, ALLOWED).build());
            default -> responder.answer(request, response, () -> CompletableFuture.completedFuture(null),
                    ignored -> methodNotAllowed(request));
        }
    }

    /** Everything in the headers is checked before the body is read, and the body before anything is stamped. */
    private CompletableFuture<WriteResult> put(HttpServletRequest request) {
        record Put(String key, Integer w, Version context, String contentType) {
        }
        Put put = validated(Operation.WRITE, () -> new Put(key(request), quorum(request, "w"),
                context(request.getHeader(X_CONTEXT)), contentType(request.getContentType())));
        // Before a byte of the body is read: its declared length; a chunked body's first buffer, and each
        // time that buffer grows, the growth (refused mid-way, as overloaded, when there is no room for it).
        long declared = request.getContentLengthLong();
        Reservation reserved = admitted(Operation.WRITE, put.w(), costs.clientWrite(declared >= 0
                ? Math.min(declared, maxValueBytes) : RequestBodies.firstChunkedCapacity(maxValueBytes)));
        CompletableFuture<Void> valueReleased = new CompletableFuture<>();
        releaseOnceAnswered(request, reserved, valueReleased);
        Runnable release = () -> valueReleased.complete(null);
        return RequestBodies.readAsync(request, maxValueBytes,
                        capacity -> reserved.tryGrowTo(costs.clientWrite(capacity)) ? null : refused(Operation.WRITE, put.w()))
                .whenComplete((body, failure) -> {
                    if (failure != null) {
                        release.run();
                    }
                    if (failure instanceof InvalidInputException || failure instanceof BodyInterruptedException) {
                        metrics.invalid(Operation.WRITE); // too large, unreadable, or cut off mid-way
                    }
                })
                .thenCompose(value -> {
                    reserved.shrinkTo(costs.clientWrite(value.length));
                    try {
                        return writes.put(put.key(), put.contentType(), value, put.w(), put.context(), release);
                    }
                    catch (RuntimeException ex) {
                        release.run();
                        throw ex;
                    }
                });
    }

    private CompletableFuture<WriteResult> delete(HttpServletRequest request) {
        record Delete(String key, Integer w, Version context) {
        }
        Delete delete = validated(Operation.WRITE,
                () -> new Delete(key(request), quorum(request, "w"), context(request.getHeader(X_CONTEXT))));
        releaseOnceAnswered(request, admitted(Operation.WRITE, delete.w(), costs.clientWrite(0)),
                CompletableFuture.completedFuture(null));
        return writes.delete(delete.key(), delete.w(), delete.context());
    }

    /**
     * Each value a replica answers with is counted as it arrives (a read holds up to N of them), until the
     * answer's last byte has gone to the client; one the node has no room for is let go at once.
     */
    private CompletableFuture<ReadResult> get(HttpServletRequest request) {
        record Get(String key, Integer r) {
        }
        Get get = validated(Operation.READ, () -> new Get(key(request), quorum(request, "r")));
        Reservation reserved = admitted(Operation.READ, get.r(), costs.clientRead());
        releaseOnceAnswered(request, reserved, CompletableFuture.completedFuture(null));
        return reads.get(get.key(), get.r(), value -> reserved.tryGrow(costs.answer(value.value().length)));
    }

    /**
     * The request's bytes reserved, or, when the node has no room for them, a refusal at once (503
     * {@code overloaded}, counted so): never a queue.
     */
    private Reservation admitted(Operation operation, Integer requested, long bytes) {
        try {
            return admission.reserve(Requester.CLIENT, bytes);
        }
        catch (OverloadedException overloaded) {
            throw refused(operation, requested);
        }
    }

    /** The refusal of a request the node has no room for, counted as {@code overloaded}; nothing was sent. */
    private QuorumFailedException refused(Operation operation, Integer requested) {
        metrics.overloaded(operation);
        int required = requested != null ? requested : operation == Operation.WRITE ? quorum.w() : quorum.r();
        return QuorumFailedException.of(operation, Reason.OVERLOADED, 0, required, quorum.n(), Map.of());
    }

    /**
     * Gives the reservation back once the answer has been written (or the connection has failed) and
     * {@code alsoHeldUntil} has completed: for a PUT, until every replica call carrying the value has ended.
     */
    private static void releaseOnceAnswered(HttpServletRequest request, Reservation reservation, CompletableFuture<?> alsoHeldUntil) {
        CompletableFuture<Void> answered = new CompletableFuture<>();
        request.getAsyncContext().addListener(new AsyncListener() {
            @Override
            public void onComplete(AsyncEvent event) {
                answered.complete(null);
            }

            @Override
            public void onTimeout(AsyncEvent event) {
            }

            @Override
            public void onError(AsyncEvent event) {
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
            }
        });
        CompletableFuture.allOf(answered, alsoHeldUntil).whenComplete((ignored, failure) -> reservation.release());
    }

    /** Parses what the request asks for; input it refuses is counted as an invalid read or write. */
    private <T> T validated(Operation operation, Supplier<T> parse) {
        try {
            return parse.get();
        }
        catch (InvalidInputException invalid) {
            metrics.invalid(operation);
            throw invalid;
        }
    }

    private static ResponseEntity<?> methodNotAllowed(HttpServletRequest request) {
        return ResponseEntity.status(HttpStatus.METHOD_NOT_ALLOWED).header(HttpHeaders.ALLOW, ALLOWED)
                .body(ProblemWriter.problem(HttpStatus.METHOD_NOT_ALLOWED, "Method Not Allowed",
                        "Method '" + request.getMethod() + "' is not supported on /kv/{key}: use " + ALLOWED + ".", null));
    }

    private static ResponseEntity<?> written(WriteResult result) {
        return ResponseEntity.ok()
                .header(X_VERSION, result.version().toString())
                .header(X_QUORUM_ACKS, Integer.toString(result.acks()))
                .body(WriteResponse.of(result));
    }

    private static ResponseEntity<?> found(ReadResult result) {
        if (!result.found()) {
            throw new KeyNotFoundException(result);
        }
        Versioned value = result.newest().orElseThrow();
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(value.contentType()))
                .header(X_VERSION, value.version().toString())
                .header(X_QUORUM_ACKS, Integer.toString(result.acks()))
                .body(value.value());
    }

    private static String key(HttpServletRequest request) {
        return KeyDecoder.fromRawPath(request.getRequestURI(), PREFIX);
    }

    /** The quorum the request asks for ({@code w} or {@code r}), or null for the configured one. */
    private static Integer quorum(HttpServletRequest request, String name) {
        String text = parameter(request, name);
        if (text == null) {
            return null;
        }
        try {
            return Integer.valueOf(text.strip());
        }
        catch (NumberFormatException ex) {
            throw new InvalidInputException("Invalid quorum", name + " must be a whole number between 1 and N");
        }
    }

    /** The container parses the whole query string at the first look and refuses all of it if any part is malformed. */
    private static String parameter(HttpServletRequest request, String name) {
        try {
            return request.getParameter(name);
        }
        catch (IllegalStateException ex) {
            throw new InvalidInputException("Invalid query string", "the query string could not be parsed: " + ex.getMessage());
        }
    }

    private static Version context(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Version.parse(text);
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidInputException("Invalid X-Context",
                    "X-Context must be a version quorumkv returned (X-Version): " + ex.getMessage());
        }
    }

    /** Stored as given so GET returns it; it must parse, since GET will send it back as a header. */
    private static String contentType(String header) {
        if (header == null || header.isBlank()) {
            return MediaType.APPLICATION_OCTET_STREAM_VALUE;
        }
        try {
            MediaType.parseMediaType(header);
        }
        catch (InvalidMediaTypeException ex) {
            throw new InvalidInputException("Invalid Content-Type", "Content-Type is not a valid media type: " + ex.getMessage());
        }
        if (header.length() > 1024) {
            throw new InvalidInputException("Invalid Content-Type", "Content-Type is longer than 1024 characters");
        }
        return header.strip();
    }
}
