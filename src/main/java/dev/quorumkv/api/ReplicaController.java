package dev.quorumkv.api;

import dev.quorumkv.QuorumKvProperties;
import dev.quorumkv.handoff.StandInHints;
import dev.quorumkv.replica.InternalApi;
import dev.quorumkv.replica.LocalReplica;
import dev.quorumkv.replica.ReplicaBatchCodec;
import dev.quorumkv.storage.Keys;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.version.Version;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The internal replica API ({@link InternalApi}), for peers only: the cluster secret is checked before this
 * runs ({@link ClusterSecretInterceptor}). POST answers only once the write is in the write-ahead log: 204
 * when the replica holds the write itself, 200 naming the newer version it holds instead (a write stamped
 * behind it, which the coordinator must re-stamp rather than count). A stand-in's hint for a member that is
 * down answers 204 once kept. Failures are answered by
 * {@link InternalApiExceptionHandler}.
 */
@RestController
class ReplicaController {

    private final LocalReplica replica;
    private final StandInHints standInHints;
    private final long maxBodyBytes;

    ReplicaController(LocalReplica replica, StandInHints standInHints, QuorumKvProperties properties) {
        this.replica = replica;
        this.standInHints = standInHints;
        this.maxBodyBytes = InternalApi.maxBodyBytes(properties.maxValueBytes().toBytes());
    }

    @PostMapping(InternalApi.KEY_PATH)
    ResponseEntity<String> write(@PathVariable String key, HttpServletRequest request) {
        Keys.requireValid(key);
        var value = VersionedCodec.decode(RequestBodies.read(request, maxBodyBytes));
        Version held = replica.write(key, value);
        return held.isNewerThan(value.version())
                ? ResponseEntity.ok().contentType(MediaType.TEXT_PLAIN).body(held.toString())
                : ResponseEntity.noContent().build();
    }

    /** This node standing in for {@code target}, which is down: 204 once the hint is kept. */
    @PostMapping(InternalApi.HINT_PATH)
    ResponseEntity<Void> holdHint(@PathVariable String target, @PathVariable String key, HttpServletRequest request) {
        Keys.requireValid(key);
        standInHints.hold(target, key, VersionedCodec.decode(RequestBodies.read(request, maxBodyBytes)));
        return ResponseEntity.noContent().build();
    }

    /** Several writes from one coordinator in one call; validated whole first. */
    @PostMapping(InternalApi.WRITE_BATCH_PATH)
    ResponseEntity<byte[]> writeBatch(HttpServletRequest request) {
        var writes = ReplicaBatchCodec.decode(RequestBodies.read(request, maxBodyBytes));
        byte[] shadowed = ReplicaBatchCodec.encodeShadowed(writes, replica.writeAll(writes));
        return shadowed == null
                ? ResponseEntity.noContent().build()
                : ResponseEntity.ok().contentType(MediaType.TEXT_PLAIN).body(shadowed);
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
