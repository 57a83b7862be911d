package dev.quorumkv.replica;

import dev.quorumkv.storage.Keys;
import dev.quorumkv.storage.ReplicaBatchCodec;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.system.RequestBodies;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The replica side of the internal API, for peers only (the cluster secret is checked before this runs).
 * POST acks (204) only once the write is in the write-ahead log, whether it was applied or this replica
 * already held a newer version: either way the replica now holds at least that version.
 */
@RestController
class ReplicaController {

    static final String READ_BATCH_PATH = "/internal/replica/batch/read";

    private final LocalReplica replica;
    private final long maxBodyBytes;

    ReplicaController(LocalReplica replica, ReplicaLimits limits) {
        this.replica = replica;
        this.maxBodyBytes = limits.maxBodyBytes();
    }

    @PostMapping("/internal/replica/{key}")
    ResponseEntity<Void> write(@PathVariable String key, HttpServletRequest request) {
        Keys.requireValid(key);
        var value = VersionedCodec.decode(RequestBodies.read(request, maxBodyBytes));
        replica.write(key, value);
        return ResponseEntity.noContent().build();
    }

    /** Several writes from one coordinator in one call (see {@link BatchingReplicaClient}); validated whole first. */
    @PostMapping("/internal/replica")
    ResponseEntity<Void> writeBatch(HttpServletRequest request) {
        replica.writeAll(ReplicaBatchCodec.decode(RequestBodies.read(request, maxBodyBytes)));
        return ResponseEntity.noContent().build();
    }

    /**
     * Several reads from one coordinator in one call (see {@link BatchingReplicaClient}). Two path segments,
     * so no key's path can collide with it. The answer stops after {@link PeerCallQueue#MAX_BATCH_BYTES}:
     * the coordinator asks again for the keys it did not cover.
     */
    @PostMapping(READ_BATCH_PATH)
    ResponseEntity<byte[]> readBatch(HttpServletRequest request) {
        var answers = replica.readAll(ReplicaBatchCodec.decodeReads(RequestBodies.read(request, maxBodyBytes)));
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM)
                .body(ReplicaBatchCodec.encodeReadAnswers(answers, PeerCallQueue.MAX_BATCH_BYTES));
    }

    @GetMapping("/internal/replica/{key}")
    ResponseEntity<byte[]> read(@PathVariable String key) {
        Keys.requireValid(key);
        return replica.read(key)
                .map(value -> ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM)
                        .body(VersionedCodec.encode(value)))
                .orElseGet(() -> ResponseEntity.noContent().build());
    }

    /**
     * The largest body a peer may send: one value at the client limit, or a batch (which the sender keeps
     * below {@link BatchingReplicaClient#MAX_BATCH_BYTES}), plus room for keys, versions and types.
     */
    record ReplicaLimits(long maxBodyBytes) {
    }
}
