package dev.quorumkv.coordinator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.FailureDetector;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;
import dev.quorumkv.time.TimeSource;

/**
 * Sends one operation to a key's replicas at once and feeds their answers to a {@link QuorumCollector}.
 * Each call gets the replication timeout; when it passes, the coordinator stops waiting but the call itself
 * is left to finish, so a slow replica still receives the write. Every answer updates the failure detector
 * and the per-replica metrics. Replicas known to be down are not called: if too few are left, the request
 * fails at once as unavailable with nothing sent.
 */
final class ReplicaFanOut {

    private final Cluster cluster;
    private final FailureDetector failureDetector;
    private final CoordinatorMetrics metrics;
    private final TimeSource time;
    private final Duration timeout;

    ReplicaFanOut(Cluster cluster, FailureDetector failureDetector, CoordinatorMetrics metrics, TimeSource time, Duration timeout) {
        this.cluster = cluster;
        this.failureDetector = failureDetector;
        this.metrics = metrics;
        this.time = time;
        this.timeout = timeout;
    }

    /** @throws QuorumFailedException with reason unavailable when fewer than {@code required} replicas are up */
    <T> QuorumCollector<T> send(List<Member> replicas, int required, Operation op, Function<Member, CompletableFuture<T>> call) {
        return send(replicas, List.of(replicas), required, op, call);
    }

    /**
     * As {@link #send(List, int, Operation, Function)}, counting {@code required} in each of {@code groups} (a write
     * while the membership changes: {@link QuorumCollector}).
     *
     * @throws QuorumFailedException with reason unavailable when some group has fewer than {@code required} replicas up
     */
    <T> QuorumCollector<T> send(List<Member> replicas, List<List<Member>> groups, int required, Operation op,
            Function<Member, CompletableFuture<T>> call) {
        List<Member> up = upOrUnavailable(replicas, groups, required, op);
        QuorumCollector<T> collector = new QuorumCollector<>(op, replicas, groups, required);
        failDown(replicas, up, collector);
        sortRemoteFirst(up);
        CompletableFuture<?>[] transportCalls = new CompletableFuture<?>[up.size()];
        for (int i = 0; i < up.size(); i++) {
            transportCalls[i] = ask(up.get(i), op, call, collector, failure -> { });
        }
        collector.callsEndWith(CompletableFuture.allOf(transportCalls));
        return collector;
    }

    /**
     * Sends a read to the first {@code required} of {@code ordered} that are up, and to the next one each time one
     * of those fails or none has had the quorum for {@code speculativeDelay} (Cassandra's speculative retry); those
     * never asked count as not asked once the quorum is had or lost ({@link SpeculativeSend}).
     *
     * @throws QuorumFailedException with reason unavailable when fewer than {@code required} replicas are up
     */
    <T> QuorumCollector<T> sendSpeculating(List<Member> ordered, int required, Operation op, Duration speculativeDelay,
            Function<Member, CompletableFuture<T>> call) {
        List<Member> up = upOrUnavailable(ordered, List.of(ordered), required, op);
        QuorumCollector<T> collector = new QuorumCollector<>(op, ordered, required);
        failDown(ordered, up, collector);
        new SpeculativeSend<>(this, op, call, collector, up, speculativeDelay, time, metrics).start(required);
        return collector;
    }

    /**
     * Starts one call of an operation whose answers {@code collector} counts: {@code onFailure} runs before the
     * collector hears of a failure. Returns the call as sent, which may end long after the coordinator stopped waiting.
     */
    <T> CompletableFuture<T> ask(Member replica, Operation op, Function<Member, CompletableFuture<T>> call,
            QuorumCollector<T> collector, Consumer<Throwable> onFailure) {
        long start = time.nanoTime();
        CompletableFuture<T> transportCall = started(replica, call);
        awaited(replica, op, transportCall, start).whenComplete((value, failure) -> {
            if (failure == null) {
                collector.succeeded(replica, value);
            }
            else {
                onFailure.accept(failure);
                collector.failed(replica, failure);
            }
        });
        return transportCall;
    }

    /** Those of {@code replicas} that are up, in order, if every group has {@code required} of them; else unavailable. */
    private List<Member> upOrUnavailable(List<Member> replicas, List<List<Member>> groups, int required, Operation op) {
        List<Member> up = new ArrayList<>(replicas.stream().filter(failureDetector::isUp).toList());
        for (List<Member> group : groups) {
            if (group.stream().filter(up::contains).count() < required) {
                Map<String, String> down = new LinkedHashMap<>();
                replicas.stream().filter(replica -> !up.contains(replica)).forEach(replica -> down.put(replica.id(), "marked down"));
                throw QuorumFailedException.of(op, Reason.UNAVAILABLE, 0, required, group.size(), down);
            }
        }
        return up;
    }

    /** Remote calls first: they return at once, so the local store works while they are on the wire. */
    void sortRemoteFirst(List<Member> replicas) {
        replicas.sort((a, b) -> Boolean.compare(cluster.isSelf(a), cluster.isSelf(b)));
    }

    /** The replicas not {@code up} count as failed at once: the failure detector has them down. */
    private static void failDown(List<Member> replicas, List<Member> up, QuorumCollector<?> collector) {
        replicas.stream().filter(replica -> !up.contains(replica))
                .forEach(replica -> collector.failed(replica, new ReplicaDownException()));
    }

    /** One call with the replication timeout, recorded in metrics and the failure detector. */
    <T> CompletableFuture<T> call(Member replica, Operation op, Function<Member, CompletableFuture<T>> call) {
        long start = time.nanoTime();
        return awaited(replica, op, started(replica, call), start);
    }

    private static <T> CompletableFuture<T> started(Member replica, Function<Member, CompletableFuture<T>> call) {
        try {
            return call.apply(replica);
        }
        catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }

    /** The call as the coordinator waits for it: until its answer or the replication timeout, whichever comes first. */
    private <T> CompletableFuture<T> awaited(Member replica, Operation op, CompletableFuture<T> transportCall, long start) {
        // Any answer, even one after our timeout, shows the peer is alive; a refusal too.
        transportCall.whenComplete((value, failure) -> {
            ReplicaOutcome outcome = ReplicaOutcome.of(failure);
            if (outcome == ReplicaOutcome.ACK || outcome == ReplicaOutcome.REJECTED) {
                failureDetector.recordSuccess(replica);
            }
        });
        return time.deadline(transportCall, timeout).whenComplete((value, failure) -> {
            ReplicaOutcome outcome = ReplicaOutcome.of(failure);
            metrics.replicaCall(replica, op, outcome, start);
            if (outcome == ReplicaOutcome.TIMEOUT) {
                failureDetector.recordTimeout(replica, start, ReplicaOutcome.unwrap(failure));
            }
            else if (outcome == ReplicaOutcome.ERROR) {
                failureDetector.recordFailure(replica, ReplicaOutcome.unwrap(failure));
            }
        });
    }

    /** A replica skipped because the failure detector has it down. */
    static final class ReplicaDownException extends RuntimeException {

        ReplicaDownException() {
            super("marked down", null, false, false);
        }
    }
}
