package dev.quorumkv.coordinator;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Predicate;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.Placement;
import dev.quorumkv.coordinator.CoordinatorMetrics.ReadOutcome;
import dev.quorumkv.coordinator.QuorumCollector.Reply;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.HybridLogicalClock;
import dev.quorumkv.version.Version;

/**
 * Coordinates a client's read: ask all N replicas and answer with the newest version among the first R
 * replies; or, with {@code quorumkv.read.speculative-delay} set, ask only R of them and one more for each that fails
 * or when they are slow ({@link SpeculativeSend}). The replicas are the current placement's read replicas ({@link Placement#readReplicas}): the new
 * owners once a membership change has moved reads to them. Read repair happens in two steps.
 * <p>
 * Before the answer: when some of the first R replies are older, the newest is written to them and the
 * answer waits until R replicas hold it (Cassandra's blocking read repair). Without this, quorum reads are
 * not monotonic: a write still in flight that one replica already holds could be returned, and a read
 * after it, reaching the two replicas the write has not reached yet, would go back to the older value.
 * With R replicas holding what was answered, every later read of R replicas, R + R > N, reaches one.
 * <p>
 * After the answer, once every replica asked has answered: the newest version of all goes to the replicas still
 * stale or missing it, in the background.
 * <p>
 * Every replica call, repairs included, names the epoch of the placement the read was routed with. When the read
 * fails and some replica refused it as routed with a stale topology, it is routed and sent again once with the
 * placement of the epoch that replica named ({@link StaleTopologyRetry}).
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
    private final GcGrace gcGrace;
    private final StaleTopologyRetry staleRetry;
    private final ReadProperties properties;
    private final ReadOrder order;

    QuorumReadService(Cluster cluster, Quorum quorum, HybridLogicalClock clock, ReplicaClient replicas,
            ReplicaFanOut fanOut, CoordinatorMetrics metrics, GcGrace gcGrace, StaleTopologyRetry staleRetry,
            ReadProperties properties, ReadOrder order) {
        this.cluster = cluster;
        this.quorum = quorum;
        this.clock = clock;
        this.replicas = replicas;
        this.fanOut = fanOut;
        this.metrics = metrics;
        this.gcGrace = gcGrace;
        this.staleRetry = staleRetry;
        this.properties = properties;
        this.order = order;
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
     * with, as it arrives: a reply the node has no room for is let go at once and, before the quorum, counts as
     * that replica failing ({@link ReplicaOverloadedException}); after it, only its version is kept, for the
     * repair after the answer (a client's room is given back once it is answered). So the values a read holds (up to N of them until every
     * replica has answered, then the one it answers with) never exceed what the node can hold. When the read
     * fails after a reply was let go so, or after a replica refused it (or the repair before the answer) as
     * overloaded, it fails with reason {@code overloaded}, whatever else went wrong (a slow replica's timeout),
     * and is counted so: load shed, here or there, is what cost it the quorum, and the client should retry later.
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
        return read(key, r, roomFor, metrics.start(), true);
    }

    /** The read routed with the current placement and sent; {@code retryIfStale} on its first routing only. */
    private CompletableFuture<ReadResult> read(String key, int r, Predicate<Versioned> roomFor, long start, boolean retryIfStale) {
        Placement placement = cluster.placement();
        long epoch = placement.epoch();
        // The read replicas: the new owners once a change reads from them. Repairs go to these only, before the
        // answer and after it; while a change also writes to other replicas, those get what they lack from the
        // writes and the streaming of the change, not from reads.
        List<Member> preferenceList = placement.readReplicas(placement.partitionOf(key));
        AtomicBoolean shed = new AtomicBoolean();
        StaleTopologyRetry.Refusals stale = new StaleTopologyRetry.Refusals();
        CompletableFuture<Void> decided = new CompletableFuture<>();
        Map<Member, Version> letGo = new ConcurrentHashMap<>();
        QuorumCollector<Optional<Versioned>> collector;
        try {
            Function<Member, CompletableFuture<Optional<Versioned>>> call = replica -> noticingShed(shed,
                    stale.noticing(replicas.read(replica, key, epoch)).thenApply(reply -> {
                        if (reply.isPresent() && !reply.get().isTombstone() && !roomFor.test(reply.get())) {
                            if (decided.isDone()) {
                                // A reply after the quorum serves only the repair after the answer, which needs its
                                // version, not its value: the replica answered, it is not overloaded.
                                letGo.put(replica, reply.get().version());
                                return Optional.empty();
                            }
                            throw new ReplicaOverloadedException("no room on this node for " + replica.id() + "'s answer (overloaded)");
                        }
                        return reply;
                    }));
            collector = properties.speculative()
                    ? fanOut.sendSpeculating(order.of(preferenceList), r, Operation.READ, properties.speculativeDelay(), call)
                    : fanOut.send(preferenceList, r, Operation.READ, call);
        }
        catch (QuorumFailedException unavailable) {
            metrics.read(ReadOutcome.UNAVAILABLE, start);
            return CompletableFuture.failedFuture(unavailable);
        }
        collector.quorum().whenComplete((replies, failure) -> decided.complete(null));
        Map<Member, Version> repairedBeforeAnswer = new ConcurrentHashMap<>();
        CompletableFuture<ReadResult> answer = collector.quorum()
                .thenCompose(replies -> repairBeforeAnswer(key, r, preferenceList.size(), replies, repairedBeforeAnswer, shed,
                        epoch, stale).thenApply(held -> replies))
                .handle((replies, failure) -> {
                    if (failure != null && retryIfStale && stale.any()) {
                        return staleRetry.afterCatchingUp(stale.newestEpoch(), () -> read(key, r, roomFor, start, false),
                                () -> failed(failure, shed, start));
                    }
                    if (failure != null) {
                        return failed(failure, shed, start);
                    }
                    Optional<Versioned> newest = newest(replies);
                    newest.ifPresent(found -> clock.observeIfPlausible(found.version()));
                    ReadResult result = new ReadResult(key, newest, replies.size(), r, preferenceList.size());
                    metrics.read(result.found() ? ReadOutcome.SUCCESS : ReadOutcome.NOT_FOUND, start);
                    return CompletableFuture.completedFuture(result);
                })
                .thenCompose(Function.identity());
        collector.settled().thenAccept(replies -> repairInBackground(key, replies, repairedBeforeAnswer, letGo, epoch));
        return answer;
    }

    /** The read's quorum failure, counted: as overloaded when load shed here or there cost it the quorum. */
    private CompletableFuture<ReadResult> failed(Throwable failure, AtomicBoolean shed, long start) {
        QuorumFailedException quorumFailure = (QuorumFailedException) ReplicaOutcome.unwrap(failure);
        if (shed.get() && quorumFailure.reason() != Reason.UNAVAILABLE) {
            quorumFailure = QuorumFailedException.of(Operation.READ, Reason.OVERLOADED, quorumFailure.acks(),
                    quorumFailure.required(), quorumFailure.n(), quorumFailure.causes());
        }
        metrics.read(ReadOutcome.valueOf(quorumFailure.reason().name()), start);
        return CompletableFuture.failedFuture(quorumFailure);
    }

    /**
     * Writes the newest of the first R replies to those of them that are older, and completes once R
     * replicas hold it; fails as a read quorum failure when too few of those writes succeed.
     */
    private CompletableFuture<Void> repairBeforeAnswer(String key, int r, int n, List<Reply<Optional<Versioned>>> replies,
            Map<Member, Version> repaired, AtomicBoolean shed, long epoch, StaleTopologyRetry.Refusals stale) {
        Optional<Versioned> newest = newest(replies);
        if (newest.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<Member> behind = staleReplicas(replies, newest.get());
        int holders = replies.size() - behind.size();
        if (holders >= r) {
            return CompletableFuture.completedFuture(null);
        }
        behind.forEach(replica -> repaired.put(replica, newest.get().version()));
        try {
            QuorumCollector<Version> repair = fanOut.send(behind, r - holders, Operation.WRITE, replica -> {
                metrics.readRepair();
                return noticingShed(shed, stale.noticing(replicas.write(replica, key, newest.get(), epoch)));
            });
            return repair.quorum().handle((acked, failure) -> {
                if (failure != null) {
                    throw new CompletionException(asReadFailure((QuorumFailedException) ReplicaOutcome.unwrap(failure), holders, r, n));
                }
                return null;
            });
        }
        catch (QuorumFailedException unavailable) {
            return CompletableFuture.failedFuture(asReadFailure(unavailable, holders, r, n));
        }
    }

    /** {@code call}, setting {@code shed} when a replica refused it as overloaded or its reply was let go so. */
    private static <T> CompletableFuture<T> noticingShed(AtomicBoolean shed, CompletableFuture<T> call) {
        return call.whenComplete((reply, failure) -> {
            if (ReplicaOutcome.unwrap(failure) instanceof ReplicaOverloadedException) {
                shed.set(true);
            }
        });
    }

    private static QuorumFailedException asReadFailure(QuorumFailedException repairFailure, int holders, int r, int n) {
        return QuorumFailedException.of(Operation.READ, repairFailure.reason(), holders + repairFailure.acks(), r,
                n, repairFailure.causes());
    }

    /**
     * Sends the newest version of all replies to every replica that answered with an older one or none,
     * unless it was already sent that version before the answer. A reply let go after the quorum counts by its
     * version; when it was the newest, nothing is sent: its value is not here (anti-entropy brings it).
     */
    private void repairInBackground(String key, List<Reply<Optional<Versioned>>> replies, Map<Member, Version> repaired,
            Map<Member, Version> letGo, long epoch) {
        newest(replies)
                .filter(newest -> letGo.values().stream().noneMatch(version -> version.isNewerThan(newest.version())))
                .ifPresent(newest -> staleReplicas(replies, newest, letGo).stream()
                        .filter(replica -> !newest.version().equals(repaired.get(replica)))
                        .forEach(stale -> {
                            metrics.readRepair();
                            fanOut.call(stale, Operation.WRITE, replica -> replicas.write(replica, key, newest, epoch));
                        }));
    }

    /** Those older than {@code newest}, and those lacking the key unless it is a tombstone past gc-grace (purged there, maybe). */
    private List<Member> staleReplicas(List<Reply<Optional<Versioned>>> replies, Versioned newest) {
        return staleReplicas(replies, newest, Map.of());
    }

    /** As {@link #staleReplicas(List, Versioned)}, a reply let go counting as the version it had. */
    private List<Member> staleReplicas(List<Reply<Optional<Versioned>>> replies, Versioned newest, Map<Member, Version> letGo) {
        return replies.stream()
                .filter(reply -> reply.value().map(newest::isNewerThan)
                        .orElseGet(() -> letGo.containsKey(reply.replica())
                                ? newest.version().isNewerThan(letGo.get(reply.replica()))
                                : !gcGrace.isPast(newest)))
                .map(Reply::replica)
                .toList();
    }

    private static Optional<Versioned> newest(List<Reply<Optional<Versioned>>> replies) {
        return replies.stream()
                .flatMap(reply -> reply.value().stream())
                .max(Comparator.comparing(Versioned::version));
    }
}
