package dev.quorumkv.coordinator;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.CoordinatorMetrics.ReadOutcome;
import dev.quorumkv.coordinator.QuorumCollector.Reply;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.HybridLogicalClock;

/**
 * Coordinates a client's read: ask all N replicas, answer with the newest version among the first R
 * replies, and once every replica has answered, send that newest version to the ones that were stale or
 * missing it (read repair), in the background.
 */
public class QuorumReadService {

    /**
     * A read that had its quorum.
     *
     * @param newest the newest version among the first R replies; empty if none of them held the key
     */
    public record ReadResult(String key, Optional<Versioned> newest, int acks, int r, int n) {

        /** A key is found when its newest version is a value: absent and deleted keys are not. */
        public boolean found() {
            return newest.isPresent() && !newest.get().isTombstone();
        }
    }

    private final Cluster cluster;
    private final Quorum quorum;
    private final HybridLogicalClock clock;
    private final ReplicaClient replicas;
    private final ReplicaFanOut fanOut;
    private final CoordinatorMetrics metrics;

    QuorumReadService(Cluster cluster, Quorum quorum, HybridLogicalClock clock, ReplicaClient replicas,
            ReplicaFanOut fanOut, CoordinatorMetrics metrics) {
        this.cluster = cluster;
        this.quorum = quorum;
        this.clock = clock;
        this.replicas = replicas;
        this.fanOut = fanOut;
        this.metrics = metrics;
    }

    /**
     * @throws Quorum.InvalidQuorumException when r is outside 1..N
     * @return the read's result, or a {@link ReadQuorumFailedException}
     */
    public CompletableFuture<ReadResult> get(String key, Integer requestedR) {
        return get(key, requestedR, found -> true);
    }

    /**
     * As {@link #get(String, Integer)}, asking {@code roomFor} for room to hold each value a replica answers
     * with, as it arrives: a reply the node has no room for is let go at once and counts as that replica
     * failing ({@link ReplicaOverloadedException}), so the values a read holds (up to N of them until every
     * replica has answered, then the one it answers with) never exceed what the node can hold. When the read
     * fails after a reply was let go so, it fails with reason {@code overloaded}, whatever else went wrong
     * (a slow replica's timeout), and is counted so: the node's own load is what cost it the quorum.
     */
    public CompletableFuture<ReadResult> get(String key, Integer requestedR, Predicate<Versioned> roomFor) {
        int r;
        try {
            r = quorum.readQuorum(requestedR);
        }
        catch (InvalidInputException invalid) {
            metrics.invalid(Operation.READ);
            throw invalid;
        }
        long start = metrics.start();
        List<Member> preferenceList = cluster.preferenceList(key, quorum.n());
        AtomicBoolean noRoom = new AtomicBoolean();
        QuorumCollector<Optional<Versioned>> collector;
        try {
            collector = fanOut.send(preferenceList, r, Operation.READ, replica -> replicas.read(replica, key).thenApply(reply -> {
                if (reply.isPresent() && !reply.get().isTombstone() && !roomFor.test(reply.get())) {
                    noRoom.set(true);
                    throw new ReplicaOverloadedException("no room on this node for " + replica.id() + "'s answer (overloaded)");
                }
                return reply;
            }));
        }
        catch (QuorumFailedException unavailable) {
            metrics.read(ReadOutcome.UNAVAILABLE, start);
            return CompletableFuture.failedFuture(unavailable);
        }
        collector.settled().thenAccept(replies -> repair(key, replies));
        return collector.quorum().handle((replies, failure) -> {
            if (failure != null) {
                QuorumFailedException quorumFailure = (QuorumFailedException) ReplicaOutcome.unwrap(failure);
                if (noRoom.get() && quorumFailure.reason() != Reason.UNAVAILABLE) {
                    quorumFailure = QuorumFailedException.of(Operation.READ, Reason.OVERLOADED, quorumFailure.acks(),
                            quorumFailure.required(), quorumFailure.n(), quorumFailure.causes());
                }
                metrics.read(ReadOutcome.valueOf(quorumFailure.reason().name()), start);
                throw new CompletionException(quorumFailure);
            }
            Optional<Versioned> newest = newest(replies);
            newest.ifPresent(found -> clock.observeIfPlausible(found.version()));
            ReadResult result = new ReadResult(key, newest, replies.size(), r, preferenceList.size());
            metrics.read(result.found() ? ReadOutcome.SUCCESS : ReadOutcome.NOT_FOUND, start);
            return result;
        });
    }

    /** Sends the newest version to every replica that answered with an older one or none. */
    private void repair(String key, List<Reply<Optional<Versioned>>> replies) {
        newest(replies).ifPresent(newest -> replies.stream()
                .filter(reply -> reply.value().map(newest::isNewerThan).orElse(true))
                .forEach(stale -> {
                    metrics.readRepair();
                    fanOut.call(stale.replica(), Operation.WRITE, replica -> replicas.write(replica, key, newest));
                }));
    }

    private static Optional<Versioned> newest(List<Reply<Optional<Versioned>>> replies) {
        return replies.stream()
                .flatMap(reply -> reply.value().stream())
                .max(Comparator.comparing(Versioned::version));
    }
}
