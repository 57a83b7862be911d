package dev.quorumkv.coordinator;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.time.TimeSource;

/**
 * One read sent to only as many replicas as its quorum needs, and to one more whenever one of them fails or the
 * speculative delay passes without the quorum (Cassandra's speculative retry): a read costs R replica calls, not
 * N, unless a replica is slow or failing. Once the quorum is had or lost the replicas never asked are told to the
 * collector as not asked, so {@link QuorumCollector#settled()} completes with the replies of those asked.
 * <p>
 * Each speculative call is counted by why it was sent ({@code quorumkv.read.speculative}, reason {@code failed}
 * or {@code slow}).
 */
final class SpeculativeSend<T> {

    private final ReplicaFanOut fanOut;
    private final Operation op;
    private final Function<Member, CompletableFuture<T>> call;
    private final QuorumCollector<T> collector;
    private final Duration delay;
    private final TimeSource time;
    private final CoordinatorMetrics metrics;
    /** The up replicas not asked yet, in the order to ask them. */
    private final Deque<Member> waiting;
    private final List<CompletableFuture<T>> sent = new ArrayList<>();
    /** Replicas taken from {@link #waiting} whose call is not in {@link #sent} yet. */
    private int starting;
    private boolean closed;

    SpeculativeSend(ReplicaFanOut fanOut, Operation op, Function<Member, CompletableFuture<T>> call,
            QuorumCollector<T> collector, List<Member> up, Duration delay, TimeSource time, CoordinatorMetrics metrics) {
        this.fanOut = fanOut;
        this.op = op;
        this.call = call;
        this.collector = collector;
        this.waiting = new ArrayDeque<>(up);
        this.delay = delay;
        this.time = time;
        this.metrics = metrics;
    }

    /** Asks the first {@code required} replicas (remote ones first, as every fan-out does) and arms the delay. */
    void start(int required) {
        List<Member> first = new ArrayList<>();
        synchronized (this) {
            for (int i = 0; i < required; i++) {
                first.add(waiting.poll());
            }
            starting = first.size();
        }
        collector.quorum().whenComplete((replies, failure) -> close());
        fanOut.sortRemoteFirst(first);
        first.forEach(this::ask);
        armDelay();
    }

    private void ask(Member replica) {
        CompletableFuture<T> transportCall = fanOut.ask(replica, op, call, collector, failure -> askNext("failed"));
        List<CompletableFuture<T>> allSent = null;
        synchronized (this) {
            sent.add(transportCall);
            starting--;
            if (closed && starting == 0) {
                allSent = List.copyOf(sent);
            }
        }
        if (allSent != null) {
            endCallsWith(allSent);
        }
    }

    /** One more replica asked, unless none is left or the quorum is decided. */
    private void askNext(String reason) {
        Member next;
        synchronized (this) {
            next = closed ? null : waiting.poll();
            if (next != null) {
                starting++;
            }
        }
        if (next != null) {
            metrics.speculativeRead(reason);
            ask(next);
        }
    }

    private void armDelay() {
        synchronized (this) {
            if (closed || waiting.isEmpty()) {
                return;
            }
        }
        TimeSource.Scheduled timer = time.schedule(delay, () -> {
            askNext("slow");
            armDelay();
        });
        collector.quorum().whenComplete((replies, failure) -> timer.cancel());
    }

    /** The quorum is decided: nobody else is asked, and the collector learns who never was. */
    private void close() {
        List<Member> neverAsked;
        List<CompletableFuture<T>> allSent = null;
        synchronized (this) {
            closed = true;
            neverAsked = List.copyOf(waiting);
            waiting.clear();
            if (starting == 0) {
                allSent = List.copyOf(sent);
            }
        }
        neverAsked.forEach(collector::notAsked);
        if (allSent != null) {
            endCallsWith(allSent);
        }
    }

    private void endCallsWith(List<CompletableFuture<T>> allSent) {
        collector.callsEndWith(CompletableFuture.allOf(allSent.toArray(CompletableFuture<?>[]::new)));
    }
}
