package dev.quorumkv.api;

import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.Optional;

import dev.quorumkv.coordinator.CoordinatorMetrics;
import dev.quorumkv.coordinator.Quorum.InvalidQuorumException;
import dev.quorumkv.coordinator.QuorumFailedException;
import dev.quorumkv.storage.Keys.InvalidKeyException;
import dev.quorumkv.storage.RocksDbReplicaStore.StorageException;
import dev.quorumkv.storage.VersionedCodec.MalformedVersionedException;
import dev.quorumkv.system.RequestBodies.BodyTooLargeException;
import dev.quorumkv.version.ContextTooFarAheadException;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Maps every domain failure to an RFC 9457 problem with a title a person understands. Client mistakes are
 * 4xx and counted as {@code invalid}; a quorum that could not be had is a 503 carrying acks, w, n, reason
 * and each replica's cause.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class ApiExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    private final CoordinatorMetrics metrics;

    ApiExceptionHandler(CoordinatorMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * Spring MVC's entry (the replica API; anything else served through the dispatcher): the same table
     * as the client API's.
     */
    @ExceptionHandler({BadRequestException.class, InvalidKeyException.class, InvalidQuorumException.class,
            ContextTooFarAheadException.class, BodyTooLargeException.class, MalformedVersionedException.class,
            UncheckedIOException.class, KeyNotFoundException.class, QuorumFailedException.class, StorageException.class})
    ResponseEntity<ProblemDetail> handle(Exception ex, HttpServletRequest request) throws Exception {
        return answerFor(ex, request).orElseThrow(() -> ex);
    }

    private ResponseEntity<ProblemDetail> badRequest(BadRequestException ex, HttpServletRequest request) {
        return invalid(request, HttpStatus.BAD_REQUEST, ex.title(), ex.getMessage());
    }

    private ResponseEntity<ProblemDetail> invalidKey(InvalidKeyException ex, HttpServletRequest request) {
        return invalid(request, HttpStatus.BAD_REQUEST, "Invalid key", ex.getMessage());
    }

    private ResponseEntity<ProblemDetail> invalidQuorum(InvalidQuorumException ex, HttpServletRequest request) {
        return invalid(request, HttpStatus.BAD_REQUEST, "Invalid quorum", ex.getMessage());
    }

    private ResponseEntity<ProblemDetail> contextTooFarAhead(ContextTooFarAheadException ex, HttpServletRequest request) {
        return invalid(request, HttpStatus.BAD_REQUEST, "Invalid X-Context", ex.getMessage());
    }

    private ResponseEntity<ProblemDetail> tooLarge(BodyTooLargeException ex, HttpServletRequest request) {
        ResponseEntity<ProblemDetail> response = invalid(request, HttpStatus.CONTENT_TOO_LARGE, "Value too large", ex.getMessage());
        response.getBody().setProperty("maxBytes", ex.limit());
        return response;
    }

    private ResponseEntity<ProblemDetail> malformedReplicaBody(MalformedVersionedException ex, HttpServletRequest request) {
        return invalid(request, HttpStatus.BAD_REQUEST, "Malformed replica request", ex.getMessage());
    }

    /** A body that stopped arriving within the container's timeout is a 408; any other read failure a 400. */
    private ResponseEntity<ProblemDetail> unreadableBody(UncheckedIOException ex, HttpServletRequest request) {
        if (ex.getCause() instanceof SocketTimeoutException) {
            return invalid(request, HttpStatus.REQUEST_TIMEOUT, "Request body timed out",
                    "the request body stopped arriving before its end");
        }
        return invalid(request, HttpStatus.BAD_REQUEST, "Unreadable request body",
                "the request body could not be read to its end: " + ex.getCause().getMessage());
    }

    private ResponseEntity<ProblemDetail> notFound(KeyNotFoundException ex, HttpServletRequest request) {
        var result = ex.result();
        ProblemDetail problem = problem(request, HttpStatus.NOT_FOUND, "Key not found", ex.getMessage());
        problem.setProperty("key", result.key());
        var response = ResponseEntity.status(HttpStatus.NOT_FOUND)
                .header(KvController.X_QUORUM_ACKS, Integer.toString(result.acks()));
        result.newest().ifPresent(tombstone -> response.header(KvController.X_VERSION, tombstone.version().toString()));
        return response.contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }

    private ResponseEntity<ProblemDetail> quorumFailed(QuorumFailedException ex, HttpServletRequest request) {
        boolean read = HttpMethod.GET.matches(request.getMethod());
        String detail = read
                ? "Only " + ex.acks() + " of the " + ex.required() + " replica replies this read needs arrived (" + ex.reason().label() + ")."
                : "Only " + ex.acks() + " of the " + ex.required() + " replica acks this write needs arrived (" + ex.reason().label() + "). "
                        + (ex.acks() > 0 || ex.reason() != QuorumFailedException.Reason.UNAVAILABLE
                                ? "The write may still have reached some replicas: it is not rolled back, and may become visible."
                                : "Nothing was sent: too few replicas are known to be up.");
        ProblemDetail problem = problem(request, HttpStatus.SERVICE_UNAVAILABLE,
                read ? "Read quorum not reached" : "Write quorum not reached", detail);
        problem.setProperty("acks", ex.acks());
        problem.setProperty(read ? "r" : "w", ex.required());
        problem.setProperty("n", ex.n());
        problem.setProperty("reason", ex.reason().label());
        problem.setProperty("replicas", ex.causes());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(KvController.X_QUORUM_ACKS, Integer.toString(ex.acks()))
                .header(HttpHeaders.RETRY_AFTER, "1")
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }

    private ResponseEntity<ProblemDetail> storage(StorageException ex, HttpServletRequest request) {
        log.error("Storage failure serving {} {}", request.getMethod(), request.getRequestURI(), ex);
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(problem(request, HttpStatus.SERVICE_UNAVAILABLE,
                "Storage unavailable", "this node's storage failed; try another node"));
    }

    /**
     * The one table from failure to answer, for the client API ({@link KvController} is served outside
     * Spring MVC's exception resolution) and for {@link #handle}; empty for a failure nobody expected
     * (the caller answers 500 and logs it). Like Spring's own matching, a known failure is found along the
     * cause chain, so wrappers such as {@code CompletionException} need no unwrapping by the caller.
     */
    Optional<ResponseEntity<ProblemDetail>> answerFor(Throwable failure, HttpServletRequest request) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            ResponseEntity<ProblemDetail> answer = answerForItself(cause, request);
            if (answer != null) {
                return Optional.of(answer);
            }
        }
        return Optional.empty();
    }

    /** The answer for this failure alone, or null when it is none of the known ones. */
    private ResponseEntity<ProblemDetail> answerForItself(Throwable failure, HttpServletRequest request) {
        ResponseEntity<ProblemDetail> answer = null;
        if (failure instanceof QuorumFailedException ex) {
            answer = quorumFailed(ex, request);
        }
        else if (failure instanceof KeyNotFoundException ex) {
            answer = notFound(ex, request);
        }
        else if (failure instanceof BadRequestException ex) {
            answer = badRequest(ex, request);
        }
        else if (failure instanceof InvalidKeyException ex) {
            answer = invalidKey(ex, request);
        }
        else if (failure instanceof InvalidQuorumException ex) {
            answer = invalidQuorum(ex, request);
        }
        else if (failure instanceof ContextTooFarAheadException ex) {
            answer = contextTooFarAhead(ex, request);
        }
        else if (failure instanceof BodyTooLargeException ex) {
            answer = tooLarge(ex, request);
        }
        else if (failure instanceof MalformedVersionedException ex) {
            answer = malformedReplicaBody(ex, request);
        }
        else if (failure instanceof UncheckedIOException ex) {
            answer = unreadableBody(ex, request);
        }
        else if (failure instanceof StorageException ex) {
            answer = storage(ex, request);
        }
        return answer;
    }

    private ResponseEntity<ProblemDetail> invalid(HttpServletRequest request, HttpStatus status, String title, String detail) {
        if (request.getRequestURI().startsWith("/kv")) {
            if (HttpMethod.GET.matches(request.getMethod())) {
                metrics.invalidRead();
            }
            else {
                metrics.invalidWrite();
            }
        }
        return ResponseEntity.status(status).body(problem(request, status, title, detail));
    }

    private static ProblemDetail problem(HttpServletRequest request, HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        try {
            problem.setInstance(URI.create(request.getRequestURI()));
        }
        catch (IllegalArgumentException ex) {
            // A request URI that is not a valid URI reference is left out rather than failing the answer.
        }
        return problem;
    }
}
