package dev.quorumkv.api;

import java.io.EOFException;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.concurrent.CompletionException;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.api.ClusterSecretInterceptor.AdminApiOffException;
import dev.quorumkv.api.ClusterSecretInterceptor.UnauthorizedPeerException;
import dev.quorumkv.api.RequestBodies.BodyTooLargeException;
import dev.quorumkv.coordinator.Operation;
import dev.quorumkv.coordinator.QuorumFailedException;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;
import dev.quorumkv.storage.StorageException;
import org.junit.jupiter.api.Test;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/** The one table from failure to answer: what each failure becomes, whatever path it came from. */
class FailureProblemsTests {

    private static final String PATH = "/kv/k";

    @Test
    void aFailedReadIsDescribedAsARead() {
        ResponseEntity<ProblemDetail> answer = answer(QuorumFailedException.of(Operation.READ, Reason.TIMEOUT, 1, 2, 3,
                Map.of("node3", "timeout")));

        assertThat(answer.getStatusCode().value()).isEqualTo(503);
        assertThat(answer.getBody().getTitle()).isEqualTo("Read quorum not reached");
        assertThat(answer.getBody().getDetail()).contains("replies this read needs").doesNotContain("write");
        assertThat(answer.getBody().getProperties()).containsEntry("r", 2).containsEntry("acks", 1).containsEntry("n", 3)
                .containsEntry("reason", "timeout").doesNotContainKey("w");
        assertThat(answer.getHeaders().getFirst("X-Quorum-Acks")).isEqualTo("1");
        assertThat(answer.getHeaders().getFirst("Retry-After")).isEqualTo("1");
    }

    @Test
    void aFailedWriteIsDescribedAsAWriteThatMayStillHaveLanded() {
        ResponseEntity<ProblemDetail> answer = answer(QuorumFailedException.of(Operation.WRITE, Reason.FAILED, 1, 2, 3,
                Map.of("node2", "refused")));

        assertThat(answer.getBody().getTitle()).isEqualTo("Write quorum not reached");
        assertThat(answer.getBody().getDetail()).contains("acks this write needs", "may still have reached some replicas");
        assertThat(answer.getBody().getProperties()).containsEntry("w", 2).containsEntry("reason", "failed")
                .containsEntry("replicas", Map.of("node2", "refused")).doesNotContainKey("r");
    }

    @Test
    void aWriteWithNothingSentSaysSo() {
        ResponseEntity<ProblemDetail> answer = answer(QuorumFailedException.of(Operation.WRITE, Reason.UNAVAILABLE, 0, 2, 3,
                Map.of("node2", "marked down", "node3", "marked down")));

        assertThat(answer.getBody().getDetail()).contains("Nothing was sent").doesNotContain("may still have reached");
    }

    @Test
    void aWriteRefusedForLoadIsA503OverloadedWithRetryAfterThatSaysNothingWasStored() {
        ResponseEntity<ProblemDetail> answer = answer(new CompletionException(
                QuorumFailedException.of(Operation.WRITE, Reason.OVERLOADED, 0, 2, 3, Map.of())));

        assertThat(answer.getStatusCode().value()).isEqualTo(503);
        assertThat(answer.getBody().getTitle()).isEqualTo("Node overloaded");
        assertThat(answer.getBody().getDetail()).contains("nothing was stored");
        assertThat(answer.getBody().getProperties()).containsEntry("reason", "overloaded").containsEntry("acks", 0)
                .containsEntry("w", 2).containsEntry("n", 3).containsEntry("replicas", Map.of());
        assertThat(answer.getHeaders().getFirst("Retry-After")).isEqualTo("1");
        assertThat(answer.getHeaders().getFirst("X-Quorum-Acks")).isEqualTo("0");
    }

    @Test
    void aPeersWriteRefusedForLoadIsA503Overloaded() {
        ResponseEntity<ProblemDetail> answer = answer(new AdmissionControl.OverloadedException(10, 5, 12));

        assertThat(answer.getStatusCode().value()).isEqualTo(503);
        assertThat(answer.getBody().getProperties()).containsEntry("reason", "overloaded");
        assertThat(answer.getHeaders().getFirst("Retry-After")).isEqualTo("1");
    }

    @Test
    void invalidInputIsA400TitledByTheInputItself() {
        ResponseEntity<ProblemDetail> answer = answer(new InvalidInputException("Invalid quorum", "w=0 is out of range"));

        assertThat(answer.getStatusCode().value()).isEqualTo(400);
        assertThat(answer.getBody().getTitle()).isEqualTo("Invalid quorum");
        assertThat(answer.getBody().getDetail()).isEqualTo("w=0 is out of range");
        assertThat(answer.getBody().getInstance()).hasToString(PATH);
    }

    @Test
    void aBodyTooLargeIsA413WithTheLimitAndAStalledBodyA408() {
        ResponseEntity<ProblemDetail> tooLarge = answer(new BodyTooLargeException(2048, 1024));
        assertThat(tooLarge.getStatusCode().value()).isEqualTo(413);
        assertThat(tooLarge.getBody().getProperties()).containsEntry("maxBytes", 1024L);

        assertThat(answer(RequestBodies.unreadable(new SocketTimeoutException())).getStatusCode().value()).isEqualTo(408);
        assertThat(answer(RequestBodies.unreadable(new EOFException("cut"))).getStatusCode().value()).isEqualTo(400);
    }

    @Test
    void storageAndSecretFailuresAnswer503And401AndAnAdminApiWithoutSecret403() {
        assertThat(answer(new StorageException("disk", new RuntimeException())).getStatusCode().value()).isEqualTo(503);
        ResponseEntity<ProblemDetail> unauthorized = answer(new UnauthorizedPeerException("the admin API"));
        assertThat(unauthorized.getStatusCode().value()).isEqualTo(401);
        assertThat(unauthorized.getHeaders().getFirst("WWW-Authenticate")).startsWith("Bearer");
        assertThat(unauthorized.getBody().getDetail()).isEqualTo("the admin API needs the cluster secret as a bearer token");
        ResponseEntity<ProblemDetail> off = answer(new AdminApiOffException());
        assertThat(off.getStatusCode().value()).isEqualTo(403);
        assertThat(off.getBody().getTitle()).isEqualTo("Admin API off");
    }

    @Test
    void aKnownFailureIsFoundAlongTheCauseChainAndAnUnknownOneIsLeftToTheCaller() {
        assertThat(answer(new CompletionException(new InvalidInputException("Invalid key", "empty"))).getStatusCode().value())
                .isEqualTo(400);
        assertThat(FailureProblems.answerFor(new IllegalStateException("bug"), "GET", PATH)).isEmpty();
    }

    private static ResponseEntity<ProblemDetail> answer(Throwable failure) {
        return FailureProblems.answerFor(failure, "HEAD", PATH).orElseThrow();
    }
}
