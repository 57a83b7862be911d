package dev.quorumkv.coordinator;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.CoordinatorMetrics.WriteOutcome;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.HybridLogicalClock;
import dev.quorumkv.version.Version;

/**
 * Coordinates a client's write: pick the key's N replicas, stamp a version, send to all at once, answer
 * at W acks or fail as soon as W is out of reach. No rollback: a failed write may have reached some
 * replicas, and the writes still in flight are left to land.
 */
public class QuorumWriteService {

    /** An acknowledged write. */
    public record WriteResult(String key, Version version, int acks, int w, int n) {
    }

    private final Cluster cluster;
    private final Quorum quorum;
    private final HybridLogicalClock clock;
    private final ReplicaClient replicas;
    private final ReplicaFanOut fanOut;
    private final CoordinatorMetrics metrics;

    QuorumWriteService(Cluster cluster, Quorum quorum, HybridLogicalClock clock, ReplicaClient replicas,
            ReplicaFanOut fanOut, CoordinatorMetrics metrics) {
        this.cluster = cluster;
        this.quorum = quorum;
        this.clock = clock;
        this.replicas = replicas;
        this.fanOut = fanOut;
        this.metrics = metrics;
    }

    /**
     * @param w       the request's {@code ?w=}, or null for the configured W
     * @param context a version the client has seen ({@code X-Context}), or null
     * @throws Quorum.InvalidQuorumException        when w is outside 1..N
     * @throws dev.quorumkv.version.ContextTooFarAheadException when the context lies too far in the future
     * @return the acknowledged write, or a {@link WriteQuorumFailedException}
     */
    public CompletableFuture<WriteResult> put(String key, String contentType, byte[] value, Integer w, Version context) {
        return put(key, contentType, value, w, context, () -> { });
    }

    /**
     * As {@link #put(String, String, byte[], Integer, Version)}; {@code released} runs once no replica call
     * holds the value any more (every call sent has ended, however long after the quorum was decided), or
     * as soon as it is clear that nothing will be sent.
     */
    public CompletableFuture<WriteResult> put(String key, String contentType, byte[] value, Integer w, Version context,
            Runnable released) {
        return write(key, w, context, version -> Versioned.value(version, contentType, value), released);
    }

    /** Writes a tombstone with quorum W: a delete is a write that wins over older values. */
    public CompletableFuture<WriteResult> delete(String key, Integer w, Version context) {
        return write(key, w, context, Versioned::tombstone, () -> { });
    }

    private CompletableFuture<WriteResult> write(String key, Integer requestedW, Version context,
            Function<Version, Versioned> stamped, Runnable released) {
        int w;
        Versioned value;
        try {
            w = quorum.writeQuorum(requestedW);
            value = stamped.apply(clock.stampAfter(context));
        }
        catch (InvalidInputException invalid) {
            metrics.invalid(Operation.WRITE);
            released.run();
            throw invalid;
        }
        long start = metrics.start();
        List<Member> preferenceList = cluster.preferenceList(key, quorum.n());
        QuorumCollector<Void> collector;
        try {
            collector = fanOut.send(preferenceList, w, Operation.WRITE, replica -> replicas.write(replica, key, value));
        }
        catch (QuorumFailedException unavailable) {
            metrics.write(WriteOutcome.UNAVAILABLE, 0, start);
            released.run();
            return CompletableFuture.failedFuture(unavailable);
        }
        collector.callsEnded().thenRun(released);
        collector.settled().thenAccept(acked -> {
            if (acked.size() < collector.total()) {
                metrics.underReplicated();
            }
        });
        return collector.quorum().handle((acked, failure) -> {
            if (failure != null) {
                QuorumFailedException quorumFailure = (QuorumFailedException) ReplicaOutcome.unwrap(failure);
                metrics.write(WriteOutcome.valueOf(quorumFailure.reason().name()), quorumFailure.acks(), start);
                throw new CompletionException(quorumFailure);
            }
            metrics.write(WriteOutcome.SUCCESS, acked.size(), start);
            return new WriteResult(key, value.version(), acked.size(), w, preferenceList.size());
        });
    }
}
