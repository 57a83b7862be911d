package dev.quorumkv.coordinator;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Placement;
import dev.quorumkv.time.TimeSource;

/**
 * How a coordinator learns it routed an operation with a stale topology, and retries it: replicas refuse a call
 * routed more than one epoch before theirs ({@link StaleTopologyException}), as a coordinator that was paused while
 * holding it would send it. When such a refusal cost the operation its quorum, the whole operation is routed again,
 * once, with the placement this node holds once it has reached the newest epoch a replica named; if it does not
 * reach it within the replication timeout, the operation fails as it would have.
 */
final class StaleTopologyRetry {

    private final Cluster cluster;
    private final TimeSource time;
    private final Duration timeout;

    StaleTopologyRetry(Cluster cluster, TimeSource time, Duration timeout) {
        this.cluster = cluster;
        this.time = time;
        this.timeout = timeout;
    }

    /**
     * {@code again} once this node's placement is at {@code epoch} or later, {@code otherwise} when it is not within
     * the replication timeout. Either runs off the thread that completes the wait (the topology log's, or the
     * timer's), since it sends the operation again.
     */
    <T> CompletableFuture<T> afterCatchingUp(long epoch, Supplier<CompletableFuture<T>> again,
            Supplier<CompletableFuture<T>> otherwise) {
        CompletableFuture<Placement> reached = cluster.awaitEpoch(epoch);
        return time.deadline(reached, timeout).handleAsync((placement, notReached) -> {
            reached.cancel(false); // forgotten by the cluster when it was not reached
            return notReached == null ? again.get() : otherwise.get();
        }).thenCompose(Function.identity());
    }

    /** The stale refusals of one fan-out: whether any replica refused, and the newest epoch one named. */
    static final class Refusals {

        private final AtomicLong newestEpoch = new AtomicLong();

        /** {@code call}, completing only once its refusal, if stale, is noted: the quorum counts it after that. */
        <T> CompletableFuture<T> noticing(CompletableFuture<T> call) {
            return call.whenComplete((answer, failure) -> {
                if (ReplicaOutcome.unwrap(failure) instanceof StaleTopologyException stale) {
                    newestEpoch.accumulateAndGet(stale.replicaEpoch(), Math::max);
                }
            });
        }

        boolean any() {
            return newestEpoch.get() > 0;
        }

        long newestEpoch() {
            return newestEpoch.get();
        }
    }
}
