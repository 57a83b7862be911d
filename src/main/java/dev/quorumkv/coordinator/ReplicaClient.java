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
 * <p>
 * The coordinator's reads and writes name the epoch of the placement they were routed with: a replica more than
 * one epoch ahead of it refuses them ({@link StaleTopologyException}). A transport that carries no epoch (the
 * local store, in-memory replicas) ignores it; calls not routed by a placement (hints, anti-entropy) name none.
 */
public interface ReplicaClient {

    /** The epoch of a call not routed by a placement: the replica serves it whatever its own epoch. */
    long NO_EPOCH = 0;

    /**
     * Completes once the replica holds {@code value} or a newer version of {@code key} in its write-ahead log,
     * with the version it holds: {@code value}'s own, or the newer one that shadows it.
     */
    CompletableFuture<Version> write(Member replica, String key, Versioned value);

    /** The replica's newest version of {@code key}, a tombstone included; empty if it holds none. */
    CompletableFuture<Optional<Versioned>> read(Member replica, String key);

    /** As {@link #write(Member, String, Versioned)}, routed with the placement of {@code epoch}. */
    default CompletableFuture<Version> write(Member replica, String key, Versioned value, long epoch) {
        return write(replica, key, value);
    }

    /** As {@link #read(Member, String)}, routed with the placement of {@code epoch}. */
    default CompletableFuture<Optional<Versioned>> read(Member replica, String key, long epoch) {
        return read(replica, key);
    }

    /** Completes normally if the replica is up and ready to serve. */
    CompletableFuture<Void> probe(Member replica);
}
