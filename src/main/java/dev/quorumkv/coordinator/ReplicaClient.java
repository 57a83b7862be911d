package dev.quorumkv.coordinator;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;

/**
 * How a coordinator talks to one replica, whatever the transport: the coordinator's port, implemented by
 * the {@code replica} package (this node's own store through a local call, peers over HTTP) and by
 * in-memory replicas in tests. Calls never block the caller; a failed
 * call completes exceptionally ({@link ReplicaRejectedException} when the replica refused the request).
 * The coordinator sets its own deadline: implementations must not cancel work when a caller stops waiting.
 */
public interface ReplicaClient {

    /**
     * Completes once the replica holds {@code value} or a newer version of {@code key} in its write-ahead log,
     * with the version it holds: {@code value}'s own, or the newer one that shadows it.
     */
    CompletableFuture<Version> write(Member replica, String key, Versioned value);

    /** The replica's newest version of {@code key}, a tombstone included; empty if it holds none. */
    CompletableFuture<Optional<Versioned>> read(Member replica, String key);

    /** Completes normally if the replica is up and ready to serve. */
    CompletableFuture<Void> probe(Member replica);
}
