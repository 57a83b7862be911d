package dev.quorumkv.coordinator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.cluster.ClockOffsets;
import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.Placement;
import dev.quorumkv.coordinator.CoordinatorMetrics.WriteOutcome;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.HybridLogicalClock;
import dev.quorumkv.version.Version;
import dev.quorumkv.version.VersionTooFarAheadException;

/**
 * Coordinates a client's write: pick the key's N replicas, stamp a version, send to all at once, answer
 * at W acks or fail as soon as W is out of reach. No rollback: a failed write may have reached some
 * replicas, and the writes still in flight are left to land.
 * <p>
 * The replicas are the current {@link Placement}'s, read once per write: while a member joins, leaves or is
 * replaced, the write goes to the old owners and the new ones, and is answered only once each group of
 * {@link Placement#writeQuorums} has W acks, so that it is held by W owners whichever owners reads go to next; it
 * fails as soon as one group can no longer have them.
 * <p>
 * An acknowledged write is never silently shadowed (DESIGN.md, the write path, item 6): a replica answers
 * with the version it holds, and one holding a newer version (stamped by a clock that ran ahead) does not
 * count toward W. When any replica reports one, the write is stamped again past it and sent again, once. When
 * W replicas of one group answered that first fan-out (W + W > N: among them is a replica of every write
 * acknowledged before this one began), a newer version a replica holds when the re-stamped write reaches it
 * belongs to a write that was not acknowledged before this one began: a concurrent write, which
 * last-writer-wins may order after this one. Such an answer then counts as an ack: on a key many clients write
 * at once, stamping again and again would only fail writes that are already ordered. A node whose own clock is off
 * from most of its peers coordinates no writes at all ({@link ClockOffsets}).
 * <p>
 * Each replica that did not take a fan-out's value, or was not sent it because it is marked down, is reported
 * to {@link MissedWrites} (hinted handoff) with that value: a re-stamped write reports its own version, so
 * what is kept for a replica is the newest version sent. A replica that answered holding a newer version
 * missed nothing. A write that fails as unavailable sent nothing and reports nothing.
 * <p>
 * A sloppy write ({@code ?sloppy=true}) whose key has fewer than W owners up has members outside the owners
 * stand in for as many of the owners marked down as W needs ({@link StandInPicker}): each is sent the write to
 * hold as a hint for its owner ({@link StandInClient}), and its ack counts toward W. An owner whose stand-in
 * acked is not reported missed, since the stand-in's hint delivers the write to it; one whose stand-in did
 * not ack is, as if it had been sent the write itself.
 * <p>
 * Every replica call names the epoch of the placement the write was routed with. When the write fails and some
 * replica refused it as routed with a stale topology (this node was paused meanwhile), it is routed, stamped and
 * sent again once with the placement of the epoch that replica named ({@link StaleTopologyRetry}).
 */
public class QuorumWriteService {

    private static final CompletableFuture<Void> NOTHING_TO_KEEP = CompletableFuture.completedFuture(null);

    /**
     * An acknowledged write.
     *
     * @param sloppy whether the write asked for a sloppy quorum
     * @param hinted how many of the acks came from stand-ins holding the write for an owner that is down
     */
    public record WriteResult(String key, Version version, int acks, int w, int n, boolean sloppy, int hinted) {
    }

    private final Cluster cluster;
    private final Quorum quorum;
    private final HybridLogicalClock clock;
    private final ClockOffsets clockOffsets;
    private final ReplicaClient replicas;
    private final ReplicaFanOut fanOut;
    private final CoordinatorMetrics metrics;
    private final MissedWrites missedWrites;
    private final StandInPicker standInPicker;
    private final StandInClient standIns;
    private final StaleTopologyRetry staleRetry;

    QuorumWriteService(Cluster cluster, Quorum quorum, HybridLogicalClock clock, ClockOffsets clockOffsets,
            ReplicaClient replicas, ReplicaFanOut fanOut, CoordinatorMetrics metrics, MissedWrites missedWrites,
            StandInPicker standInPicker, StandInClient standIns, StaleTopologyRetry staleRetry) {
        this.cluster = cluster;
        this.quorum = quorum;
        this.clock = clock;
        this.clockOffsets = clockOffsets;
        this.replicas = replicas;
        this.fanOut = fanOut;
        this.metrics = metrics;
        this.missedWrites = missedWrites;
        this.standInPicker = standInPicker;
        this.standIns = standIns;
        this.staleRetry = staleRetry;
    }

    /**
     * @param w       the request's {@code ?w=}, or null for the configured W
     * @param context a version the client has seen ({@code X-Context}), or null
     * @throws Quorum.InvalidQuorumException        when w is outside 1..N
     * @throws dev.quorumkv.version.ContextTooFarAheadException when the context lies too far in the future
     * @return the acknowledged write, or a {@link WriteQuorumFailedException}
     */
    public CompletableFuture<WriteResult> put(String key, String contentType, byte[] value, Integer w, Version context) {
        return put(key, contentType, value, w, false, context, () -> { });
    }

    /**
     * As {@link #put(String, String, byte[], Integer, Version)}, with a sloppy quorum when {@code sloppy};
     * {@code released} runs once no replica call holds the value any more (every call sent has ended, however
     * long after the quorum was decided), or as soon as it is clear that nothing will be sent.
     */
    public CompletableFuture<WriteResult> put(String key, String contentType, byte[] value, Integer w, boolean sloppy,
            Version context, Runnable released) {
        return write(key, w, sloppy, context, version -> Versioned.value(version, contentType, value), released);
    }

    /** Writes a tombstone with quorum W: a delete is a write that wins over older values. */
    public CompletableFuture<WriteResult> delete(String key, Integer w, Version context) {
        return delete(key, w, false, context);
    }

    /** As {@link #delete(String, Integer, Version)}, with a sloppy quorum when {@code sloppy}. */
    public CompletableFuture<WriteResult> delete(String key, Integer w, boolean sloppy, Version context) {
        return write(key, w, sloppy, context, Versioned::tombstone, () -> { });
    }

    private CompletableFuture<WriteResult> write(String key, Integer requestedW, boolean sloppy, Version context,
            Function<Version, Versioned> stamped, Runnable released) {
        int w;
        try {
            w = quorum.writeQuorum(requestedW);
        }
        catch (InvalidInputException invalid) {
            throw refused(invalid, released);
        }
        return route(key, w, sloppy, context, stamped, metrics.start(), released, true);
    }

    /** The write routed with the current placement, stamped and sent; {@code retryIfStale} on its first routing only. */
    private CompletableFuture<WriteResult> route(String key, int w, boolean sloppy, Version context,
            Function<Version, Versioned> stamped, long start, Runnable released, boolean retryIfStale) {
        // One placement for the whole write, re-stamps included: it is sent to, and counted against, one epoch's replicas.
        Placement placement = cluster.placement();
        int partition = placement.partitionOf(key);
        List<Member> owners = placement.writeReplicas(partition);
        List<List<Member>> groups = placement.writeQuorums(partition);
        int n = groups.get(0).size();
        // Before stamping: a stamp from a clock not to be trusted would move the clock, and its saved
        // state, to that clock's time, and the node would go on stamping from there after a restart.
        Optional<String> clockDistrust = clockOffsets.distrust();
        if (clockDistrust.isPresent()) {
            metrics.write(WriteOutcome.UNAVAILABLE, 0, start);
            released.run();
            return CompletableFuture.failedFuture(QuorumFailedException.of(Operation.WRITE, Reason.UNAVAILABLE, 0, w,
                    n, Map.of(cluster.self().id(), clockDistrust.get() + "; retry, or write through another node")));
        }
        Map<Member, Member> standInFor;
        try {
            standInFor = sloppy ? standInPicker.pick(placement, owners, groups, w) : Map.of();
        }
        catch (QuorumFailedException unavailable) {
            // Before stamping, as for the clock: a write that cannot be had moves nothing.
            metrics.write(WriteOutcome.UNAVAILABLE, 0, start);
            released.run();
            return CompletableFuture.failedFuture(unavailable);
        }
        Versioned value;
        try {
            value = stamped.apply(clock.stampAfter(context));
        }
        catch (InvalidInputException invalid) {
            throw refused(invalid, released);
        }
        Attempt write = new Attempt(key, w, n, sentTo(owners, standInFor),
                groups.stream().map(group -> sentTo(group, standInFor)).toList(), standInFor, sloppy, context, stamped, start,
                placement.epoch(), retryIfStale);
        return attempt(write, value, Round.FIRST, released);
    }

    /** The owners, each marked down one with a stand-in replaced by it. */
    private static List<Member> sentTo(List<Member> owners, Map<Member, Member> standInFor) {
        Map<Member, Member> standInOf = new HashMap<>();
        standInFor.forEach((standIn, owner) -> standInOf.put(owner, standIn));
        return owners.stream().map(owner -> standInOf.getOrDefault(owner, owner)).toList();
    }

    /** Counts an input refused before anything was sent, and lets the value go. */
    private InvalidInputException refused(InvalidInputException invalid, Runnable released) {
        metrics.invalid(Operation.WRITE);
        released.run();
        return invalid;
    }

    /**
     * @param n          the key's owners (N): the size of a write group
     * @param replicas   whom the write is sent to: the owners (old and new while the membership changes), or in a sloppy
     *                   quorum their stand-ins for some
     * @param groups     the groups that each need W acks, as sent to: one, or the old and the new owners while they differ
     * @param standInFor stand-in → the owner it holds the write for; empty for a strict quorum
     * @param epoch      the epoch of the placement the write was routed with
     * @param retryIfStale whether a failure with replicas refusing the write as stale routes it again
     */
    private record Attempt(String key, int w, int n, List<Member> replicas, List<List<Member>> groups,
            Map<Member, Member> standInFor, boolean sloppy, Version context, Function<Version, Versioned> stamped, long start,
            long epoch, boolean retryIfStale) {

        /** Who misses the write when the call to {@code sentTo} does not land: the owner it stands in for, or itself. */
        Member owner(Member sentTo) {
            return standInFor.getOrDefault(sentTo, sentTo);
        }
    }

    /**
     * One fan-out of {@code value}: the first, or the one re-stamped past what a replica held, in which a shadowing
     * answer counts as an ack when the first fan-out had answers from W replicas ({@code round}; the class comment).
     * {@code released} runs once this fan-out's calls and those of the re-stamped fan-out after it have
     * ended: each still holds the value.
     */
    private CompletableFuture<WriteResult> attempt(Attempt write, Versioned value, Round round, Runnable released) {
        AtomicReference<Version> newestShadow = new AtomicReference<>();
        AtomicInteger answered = new AtomicInteger();
        // The fan-out calls the replicas it sends to before it returns, on this thread.
        Set<Member> sent = new HashSet<>();
        List<CompletableFuture<Void>> missesKept = new ArrayList<>();
        StaleTopologyRetry.Refusals stale = new StaleTopologyRetry.Refusals();
        QuorumCollector<Version> collector;
        try {
            collector = fanOut.send(write.replicas(), write.groups(), write.w(), Operation.WRITE, replica -> {
                sent.add(replica);
                Member owner = write.owner(replica);
                if (!owner.equals(replica)) {
                    // A stand-in that did not keep the hint, for whatever reason, left its owner without the write.
                    CompletableFuture<Version> held = standIns.hold(replica, owner, write.key(), value);
                    missesKept.add(held.handle((version, failure) -> failure != null ? report(owner, write.key(), value) : NOTHING_TO_KEEP)
                            .thenCompose(Function.identity()));
                    return held;
                }
                CompletableFuture<Version> call = stale.noticing(replicas.write(replica, write.key(), value, write.epoch())).thenApply(held -> {
                    answered.incrementAndGet();
                    if (held.isNewerThan(value.version())) {
                        if (round == Round.RESTAMPED_PAST_EVERY_EARLIER_WRITE) {
                            return value.version(); // a concurrent write's, ordered after this one (above)
                        }
                        if (round == Round.FIRST) {
                            newestShadow.accumulateAndGet(held, (a, b) -> b.isNewerThan(a) ? b : a);
                        }
                        throw new ShadowedWriteException(held);
                    }
                    return held;
                });
                missesKept.add(call.handle((held, failure) -> missed(failure) ? report(replica, write.key(), value) : NOTHING_TO_KEEP)
                        .thenCompose(Function.identity()));
                return call;
            });
        }
        catch (QuorumFailedException unavailable) {
            metrics.write(WriteOutcome.UNAVAILABLE, 0, write.start());
            released.run();
            return CompletableFuture.failedFuture(unavailable);
        }
        write.replicas().stream().filter(replica -> !sent.contains(replica))
                .forEach(down -> missesKept.add(report(write.owner(down), write.key(), value)));
        // A missed write's value is held until it has been kept for its replica.
        CompletableFuture<Void> valueHeld = collector.callsEnded()
                .runAfterBoth(CompletableFuture.allOf(missesKept.toArray(CompletableFuture[]::new)), () -> { });
        collector.settled().thenAccept(acked -> {
            // A stand-in's ack is not a replica holding the write: the key stays short of N copies until its hint lands.
            // While the membership changes, every replica written (old and new owners) is one the write should reach.
            if (acked.stream().filter(reply -> !write.standInFor().containsKey(reply.replica())).count() < write.replicas().size()) {
                metrics.underReplicated();
            }
        });
        return collector.quorum().handle((acked, failure) -> {
            Versioned again = newestShadow.get() != null ? restamp(write, newestShadow.get()) : null;
            if (again != null) {
                metrics.restamped();
                Round next = write.groups().size() == 1 && answered.get() >= write.w()
                        ? Round.RESTAMPED_PAST_EVERY_EARLIER_WRITE : Round.RESTAMPED;
                return attempt(write, again, next, () -> valueHeld.thenRun(released));
            }
            if (failure != null && write.retryIfStale() && stale.any()) {
                Runnable releasedAfterThis = () -> valueHeld.thenRun(released);
                return staleRetry.afterCatchingUp(stale.newestEpoch(),
                        () -> route(write.key(), write.w(), write.sloppy(), write.context(), write.stamped(), write.start(),
                                releasedAfterThis, false),
                        () -> failed(write, failure, releasedAfterThis));
            }
            if (failure != null) {
                return failed(write, failure, () -> valueHeld.thenRun(released));
            }
            valueHeld.thenRun(released);
            metrics.write(WriteOutcome.SUCCESS, acked.size(), write.start());
            int hinted = (int) acked.stream().filter(reply -> write.standInFor().containsKey(reply.replica())).count();
            return CompletableFuture.completedFuture(new WriteResult(write.key(), acked.get(0).value(), acked.size(),
                    write.w(), write.n(), write.sloppy(), hinted));
        }).thenCompose(Function.identity());
    }

    /** Which fan-out of a write this is (see the class comment). */
    private enum Round { FIRST, RESTAMPED, RESTAMPED_PAST_EVERY_EARLIER_WRITE }

    /** The write's quorum failure, counted; {@code released} runs once the value is no longer held. */
    private CompletableFuture<WriteResult> failed(Attempt write, Throwable failure, Runnable released) {
        released.run();
        QuorumFailedException quorumFailure = (QuorumFailedException) ReplicaOutcome.unwrap(failure);
        metrics.write(WriteOutcome.valueOf(quorumFailure.reason().name()), quorumFailure.acks(), write.start());
        return CompletableFuture.failedFuture(quorumFailure);
    }

    /**
     * Whether a call that ended with {@code failure} left its replica without the write: not when it answered
     * (holding this version or a newer one), nor when it refused the write for good (a 4xx: sent again, it
     * would be refused again); when it was too busy to take it, yes.
     */
    private static boolean missed(Throwable failure) {
        return switch (ReplicaOutcome.of(failure)) {
            case ACK -> false;
            case REJECTED -> ReplicaOutcome.unwrap(failure) instanceof ReplicaOverloadedException;
            case ERROR, TIMEOUT -> true;
        };
    }

    /** Never fails: what becomes of a missed write must not hold the value for ever. */
    private CompletableFuture<Void> report(Member replica, String key, Versioned value) {
        try {
            return missedWrites.missed(replica, key, value).exceptionally(failure -> null);
        }
        catch (RuntimeException ex) {
            return NOTHING_TO_KEEP;
        }
    }

    /** The write stamped past {@code shadow}; null when that lies too far ahead to follow (the write then stands as answered). */
    private Versioned restamp(Attempt write, Version shadow) {
        try {
            clock.observe(shadow);
        }
        catch (VersionTooFarAheadException tooFar) {
            return null;
        }
        return write.stamped().apply(clock.stamp());
    }
}
