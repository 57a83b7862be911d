package dev.quorumkv.api;

import dev.quorumkv.QuorumKvProperties;
import dev.quorumkv.replica.InternalApi;
import dev.quorumkv.replica.LocalReplica;
import dev.quorumkv.replica.ReplicaBatchCodec;
import dev.quorumkv.storage.Keys;
import dev.quorumkv.storage.VersionedCodec;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The internal replica API ({@link InternalApi}), for peers only: the cluster secret is checked before this
 * runs ({@link ClusterSecretInterceptor}). POST acks (204) only once the write is in the write-ahead log,
 * whether it was applied or this replica already held a newer version: either way the replica now holds at
 * least that version. Failures are answered by {@link InternalApiExceptionHandler}.
 */
@RestController
class ReplicaController {

    private final LocalReplica replica;
    private final long maxBodyBytes;

    ReplicaController(LocalReplica replica, QuorumKvProperties properties) {
        this.replica = replica;
        this.maxBodyBytes = InternalApi.maxBodyBytes(properties.maxValueBytes().toBytes());
    }

    @PostMapping(InternalApi.KEY_PATH)
    ResponseEntity<Void> write(@PathVariable String key, HttpServletRequest request) {
        Keys.requireValid(key);
        var value = VersionedCodec.decode(RequestBodies.read(request, maxBodyBytes));
        replica.write(key, value);
        return ResponseEntity.noContent().build();
    }

    /** Several writes from one coordinator in one call; validated whole first. */
    @PostMapping(InternalApi.WRITE_BATCH_PATH)
    ResponseEntity<Void> writeBatch(HttpServletRequest request) {
        replica.writeAll(ReplicaBatchCodec.decode(RequestBodies.read(request, maxBodyBytes)));
        return ResponseEntity.noContent().build();
    }

    /**
     * Several reads from one coordinator in one call. The answer stops after {@link InternalApi#MAX_BATCH_BYTES}:
     * the coordinator asks again for the keys it did not cover.
     */
    @PostMapping(InternalApi.READ_BATCH_PATH)
    ResponseEntity<byte[]> readBatch(HttpServletRequest request) {
        var answers = replica.readAll(ReplicaBatchCodec.decodeReads(RequestBodies.read(request, maxBodyBytes)));
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM)
                .body(ReplicaBatchCodec.encodeReadAnswers(answers, InternalApi.MAX_BATCH_BYTES));
    }

    @GetMapping(InternalApi.KEY_PATH)
    ResponseEntity<byte[]> read(@PathVariable String key) {
        Keys.requireValid(key);
        return replica.read(key)
                .map(value -> ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM)
                        .body(VersionedCodec.encode(value)))
                .orElseGet(() -> ResponseEntity.noContent().build());
    }
}
