package dev.quorumkv.replica;

import dev.quorumkv.replica.ClusterSecretInterceptor.UnauthorizedPeerException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** A 401 problem for callers of /internal/** without the cluster secret; says nothing about the secret. */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class ReplicaExceptionHandler {

    @ExceptionHandler(UnauthorizedPeerException.class)
    ResponseEntity<ProblemDetail> unauthorized(UnauthorizedPeerException ex) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED, ex.getMessage());
        problem.setTitle("Unauthorized");
        return ResponseEntity.status(HttpStatus.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"quorumkv-internal\"")
                .body(problem);
    }
}
