package dev.quorumkv.replica;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.ReplicaClient;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;

/**
 * Reaches this node's own replica through a local call (writes through {@link LocalWriteCombiner}) and every
 * other one through the remote client.
 */
class RoutingReplicaClient implements ReplicaClient {

    private final Cluster cluster;
    private final LocalReplica local;
    private final LocalWriteCombiner localWrites;
    private final ReplicaClient remote;

    RoutingReplicaClient(Cluster cluster, LocalReplica local, ReplicaClient remote) {
        this.cluster = cluster;
        this.local = local;
        this.localWrites = new LocalWriteCombiner(local);
        this.remote = remote;
    }

    @Override
    public CompletableFuture<Version> write(Member replica, String key, Versioned value) {
        return cluster.isSelf(replica) ? localWrites.write(key, value) : remote.write(replica, key, value);
    }

    @Override
    public CompletableFuture<Optional<Versioned>> read(Member replica, String key) {
        return cluster.isSelf(replica) ? locally(() -> local.read(key)) : remote.read(replica, key);
    }

    @Override
    public CompletableFuture<Void> probe(Member replica) {
        return cluster.isSelf(replica) ? CompletableFuture.completedFuture(null) : remote.probe(replica);
    }

    private static <T> CompletableFuture<T> locally(Supplier<T> call) {
        try {
            return CompletableFuture.completedFuture(call.get());
        }
        catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }
}
