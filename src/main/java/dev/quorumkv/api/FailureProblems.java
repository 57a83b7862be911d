package dev.quorumkv.api;

import java.util.Optional;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.antientropy.ReadFence.ReadsFencedException;
import dev.quorumkv.api.AdmissionControl.OverloadedException;
import dev.quorumkv.api.ClusterSecretInterceptor.AdminApiOffException;
import dev.quorumkv.api.ClusterSecretInterceptor.UnauthorizedPeerException;
import dev.quorumkv.api.RequestBodies.BodyTooLargeException;
import dev.quorumkv.api.RequestBodies.UnreadableBodyException;
import dev.quorumkv.api.StaleTopologyCheck.StaleCallException;
import dev.quorumkv.coordinator.QuorumFailedException;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;
import dev.quorumkv.coordinator.WriteQuorumFailedException;
import dev.quorumkv.handoff.StandInHints.HintNotHeldException;
import dev.quorumkv.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * The one table from failure to answer, for the client API ({@link AsyncResponder}) and the internal replica
 * API ({@link InternalApiExceptionHandler}) alike. Invalid input is a 4xx titled by the input's own
 * exception; a quorum that could not be had is a 503 that says whether it was a read or a write, with acks,
 * w or r, n, reason and each replica's cause. Like Spring's own matching, a known failure is found along the
 * cause chain, so wrappers such as {@code CompletionException} need no unwrapping by the caller.
 */
final class FailureProblems {

    private static final Logger log = LoggerFactory.getLogger(FailureProblems.class);

    static final String OVERLOADED_TITLE = "Node overloaded";

    private FailureProblems() {
    }

    /** The answer to {@code failure}, or empty for one nobody expected (the caller answers 500 and logs it). */
    static Optional<ResponseEntity<ProblemDetail>> answerFor(Throwable failure, String method, String path) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            ResponseEntity<ProblemDetail> answer = answerForItself(cause, method, path);
            if (answer != null) {
                return Optional.of(answer);
            }
        }
        return Optional.empty();
    }

    /** The answer for this failure alone, or null when it is none of the known ones. */
    private static ResponseEntity<ProblemDetail> answerForItself(Throwable failure, String method, String path) {
        if (failure instanceof QuorumFailedException quorumFailure) {
            return quorumFailed(quorumFailure, path);
        }
        if (failure instanceof KeyNotFoundException notFound) {
            return notFound.answer(path);
        }
        if (failure instanceof InvalidInputException invalid) {
            return invalidInput(invalid, path);
        }
        if (failure instanceof UnauthorizedPeerException unauthorized) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"quorumkv-internal\"")
                    .body(ProblemWriter.problem(HttpStatus.UNAUTHORIZED, "Unauthorized", unauthorized.getMessage(), path));
        }
        if (failure instanceof AdminApiOffException off) {
            return ResponseEntity.status(HttpStatus.FORBIDDEN)
                    .body(ProblemWriter.problem(HttpStatus.FORBIDDEN, "Admin API off", off.getMessage(), path));
        }
        if (failure instanceof StaleCallException stale) {
            // The epoch header was set before the refusal (StaleTopologyCheck): the caller reads it from there.
            ProblemDetail problem = ProblemWriter.problem(HttpStatus.CONFLICT, "Stale topology", stale.getMessage(), path);
            problem.setProperty("epoch", stale.own());
            return ResponseEntity.status(HttpStatus.CONFLICT).body(problem);
        }
        if (failure instanceof OverloadedException overloaded) {
            return overloaded(overloaded.getMessage(), path);
        }
        if (failure instanceof ReadsFencedException fenced) {
            return overloaded(fenced.getMessage(), path); // alive, refusing for now: the caller must not mark it down
        }
        if (failure instanceof HintNotHeldException notHeld) {
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(ProblemWriter.problem(HttpStatus.SERVICE_UNAVAILABLE,
                    "Hint not held", notHeld.getMessage(), path));
        }
        if (failure instanceof StorageException storage) {
            log.error("Storage failure serving {} {}", method, path, storage);
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(ProblemWriter.problem(HttpStatus.SERVICE_UNAVAILABLE,
                    "Storage unavailable", "this node's storage failed; try another node", path));
        }
        return null;
    }

    private static ResponseEntity<ProblemDetail> invalidInput(InvalidInputException invalid, String path) {
        HttpStatus status = HttpStatus.BAD_REQUEST;
        if (invalid instanceof BodyTooLargeException) {
            status = HttpStatus.CONTENT_TOO_LARGE;
        }
        else if (invalid instanceof UnreadableBodyException unreadable && unreadable.timedOut()) {
            status = HttpStatus.REQUEST_TIMEOUT;
        }
        ProblemDetail problem = ProblemWriter.problem(status, invalid.title(), invalid.getMessage(), path);
        if (invalid instanceof BodyTooLargeException tooLarge) {
            problem.setProperty("maxBytes", tooLarge.limit());
        }
        return ResponseEntity.status(status).body(problem);
    }

    /**
     * A peer's replica call this node had no room for: 503 {@code overloaded}, which the calling coordinator
     * takes as a refusal from a live node, never as the node failing.
     */
    private static ResponseEntity<ProblemDetail> overloaded(String detail, String path) {
        ProblemDetail problem = ProblemWriter.problem(HttpStatus.SERVICE_UNAVAILABLE, OVERLOADED_TITLE, detail, path);
        problem.setProperty("reason", Reason.OVERLOADED.label());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "1").body(problem);
    }

    private static ResponseEntity<ProblemDetail> quorumFailed(QuorumFailedException failure, String path) {
        if (failure.reason() == Reason.OVERLOADED) {
            return overloadedQuorum(failure, path);
        }
        boolean write = failure instanceof WriteQuorumFailedException;
        String operation = failure.operation().label();
        String detail = "Only " + failure.acks() + " of the " + failure.required() + " replica "
                + (write ? "acks" : "replies") + " this " + operation + " needs arrived (" + failure.reason().label() + ").";
        if (failure instanceof WriteQuorumFailedException writeFailure) {
            detail += writeFailure.mayHaveReachedReplicas()
                    ? " The write may still have reached some replicas: it is not rolled back, and may become visible."
                    : " Nothing was sent: too few replicas are known to be up.";
        }
        ProblemDetail problem = ProblemWriter.problem(HttpStatus.SERVICE_UNAVAILABLE,
                write ? "Write quorum not reached" : "Read quorum not reached", detail, path);
        problem.setProperty("acks", failure.acks());
        problem.setProperty(write ? "w" : "r", failure.required());
        problem.setProperty("n", failure.n());
        problem.setProperty("reason", failure.reason().label());
        problem.setProperty("replicas", failure.causes());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(KvEndpoint.X_QUORUM_ACKS, Integer.toString(failure.acks()))
                .header(HttpHeaders.RETRY_AFTER, "1")
                .body(problem);
    }

    /**
     * A client request refused for load, before it was read (a PUT) or before its answer was held (a GET):
     * the quorum problem's members (acks, w or r, n, reason), a detail that says nothing was stored, and
     * {@code Retry-After}: the node answers normally again as soon as the load falls.
     */
    private static ResponseEntity<ProblemDetail> overloadedQuorum(QuorumFailedException failure, String path) {
        boolean write = failure instanceof WriteQuorumFailedException;
        String detail = "This node has too many bytes of requests in flight (quorumkv.admission.max-inflight-bytes) and "
                + (write ? "refused this write before reading it: nothing was stored." : "could not hold this value to send it.")
                + " Retry in a moment, or use another node.";
        ResponseEntity<ProblemDetail> answer = overloaded(detail, path);
        ProblemDetail problem = answer.getBody();
        problem.setProperty("acks", failure.acks());
        problem.setProperty(write ? "w" : "r", failure.required());
        problem.setProperty("n", failure.n());
        problem.setProperty("replicas", failure.causes()); // none: no replica was asked
        return ResponseEntity.status(answer.getStatusCode()).headers(answer.getHeaders())
                .header(KvEndpoint.X_QUORUM_ACKS, Integer.toString(failure.acks())).body(problem);
    }
}
