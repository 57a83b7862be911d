package dev.quorumkv.api;

import dev.quorumkv.coordinator.QuorumReadService.ReadResult;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/** The newest version among the R replies is absent or a tombstone: a 404 that still says how many answered. */
class KeyNotFoundException extends RuntimeException {

    private final transient ReadResult result;

    KeyNotFoundException(ReadResult result) {
        super(result.newest().isPresent() ? "the key was deleted" : "no replica in the read quorum holds the key",
                null, false, false);
        this.result = result;
    }

    /** The 404, with the tombstone's version as {@code X-Version} when the key was deleted. */
    ResponseEntity<ProblemDetail> answer(String path) {
        ProblemDetail problem = ProblemWriter.problem(HttpStatus.NOT_FOUND, "Key not found", getMessage(), path);
        problem.setProperty("key", result.key());
        var response = ResponseEntity.status(HttpStatus.NOT_FOUND)
                .header(KvEndpoint.X_QUORUM_ACKS, Integer.toString(result.acks()));
        result.newest().ifPresent(tombstone -> response.header(KvEndpoint.X_VERSION, tombstone.version().toString()));
        return response.body(problem);
    }
}
