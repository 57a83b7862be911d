package dev.quorumkv.api;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.antientropy.ReadFence.ReadsFencedException;
import dev.quorumkv.api.AdmissionControl.OverloadedException;
import dev.quorumkv.api.ClusterSecretInterceptor.AdminApiOffException;
import dev.quorumkv.api.ClusterSecretInterceptor.UnauthorizedPeerException;
import dev.quorumkv.api.StaleTopologyCheck.StaleCallException;
import dev.quorumkv.handoff.StandInHints.HintNotHeldException;
import dev.quorumkv.replica.InternalApi;
import dev.quorumkv.storage.StorageException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Answers the failures of the handlers Spring MVC dispatches to (the internal replica API) from the same
 * table, and through the same writer, as the client API: {@link FailureProblems}. These are the failures
 * a replica or admin call can raise: bad input (key, body, encoding), a caller without the cluster
 * secret, an admin API switched off, a replica call routed with a stale topology, no room for a peer's write in
 * the admission budget or for a stand-in's hint, a storage failure.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class InternalApiExceptionHandler {

    @ExceptionHandler({InvalidInputException.class, UnauthorizedPeerException.class, AdminApiOffException.class,
            OverloadedException.class, ReadsFencedException.class, StorageException.class, HintNotHeldException.class,
            StaleCallException.class})
    void handle(Exception failure, HttpServletRequest request, HttpServletResponse response) throws Exception {
        if (failure instanceof OverloadedException || failure instanceof ReadsFencedException
                || failure instanceof HintNotHeldException) {
            response.setHeader(InternalApi.OVERLOADED, "true"); // the marker the calling coordinator looks for
        }
        ProblemWriter.write(response, FailureProblems.answerFor(failure, request.getMethod(), request.getRequestURI())
                .orElseThrow(() -> failure));
    }
}
