package dev.quorumkv.replica;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.ReplicaClient;
import dev.quorumkv.coordinator.StaleTopologyException;
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
        return write(replica, key, value, NO_EPOCH);
    }

    /** This node's own replica applies the peers' rule too: a write routed two epochs ago is refused here as there. */
    @Override
    public CompletableFuture<Version> write(Member replica, String key, Versioned value, long epoch) {
        if (!cluster.isSelf(replica)) {
            return remote.write(replica, key, value, epoch);
        }
        return stale(replica, epoch).map(CompletableFuture::<Version>failedFuture).orElseGet(() -> localWrites.write(key, value));
    }

    @Override
    public CompletableFuture<Optional<Versioned>> read(Member replica, String key) {
        return read(replica, key, NO_EPOCH);
    }

    @Override
    public CompletableFuture<Optional<Versioned>> read(Member replica, String key, long epoch) {
        if (!cluster.isSelf(replica)) {
            return remote.read(replica, key, epoch);
        }
        return stale(replica, epoch).map(CompletableFuture::<Optional<Versioned>>failedFuture)
                .orElseGet(() -> locally(() -> local.read(key)));
    }

    /** The refusal of a call routed at {@code epoch} by this node's own replica, if it is stale here. */
    private Optional<StaleTopologyException> stale(Member self, long epoch) {
        long own = cluster.placement().epoch();
        return StaleTopologyException.isStale(epoch, own)
                ? Optional.of(new StaleTopologyException(self.id() + " (this node) is at epoch " + own
                        + ", the call was routed at " + epoch + " (stale topology)", own))
                : Optional.empty();
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
