package dev.quorumkv.replica;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.ToIntFunction;

import dev.quorumkv.time.TimeSource;

/**
 * One peer's requests of one kind (writes, or reads) and the calls that carry them. A request that finds the
 * queue idle (no call on the wire, nothing waiting) leaves at once and alone, so a lone request is never
 * delayed. Requests arriving while a call is out wait for its answer and then leave together as one batch:
 * one HTTP request and one storage operation on the replica. Under load (at least {@link #GATHER_FROM}
 * requests waiting when the call returns) the next batch also waits until {@link #BATCH_GAP} has passed
 * since the previous call left, so a busy peer gets at most one call per gap and each call carries more
 * requests: a peer call costs about as much CPU on both nodes as a client
 * request, and on a saturated machine fewer, larger calls gave more acknowledged writes at a lower tail
 * than calls leaving as soon as the last answer came (measured side by side, see docs/benchmarks.md). A
 * call still out after the spacing is no quick round trip: the peer is slow, so the waiting requests leave
 * without it, and a slow peer gets one call per spacing (up to {@link #MAX_IN_FLIGHT} at once) rather than
 * answers stacked behind each other. A peer that falls behind therefore gets fewer, larger calls instead of
 * an ever longer queue of single ones.
 *
 * @param <I> a request, e.g. a key to read
 * @param <R> its answer, e.g. the replica's version of that key
 */
final class PeerCallQueue<I, R> {

    /** Far above a healthy round trip on loopback or in a rack, well below a timeout. */
    static final Duration CALL_SPACING = Duration.ofMillis(20);
    /**
     * The shortest time between calls to one peer for requests that queued behind a call; see the class
     * comment. Side by side at 64 connections, 0 / 3 / 4 / 5 / 6 ms: p99 77 / 28-40 / 28 / 24 / 20-25 ms,
     * PUT/s level or better up to 5 ms, lower at 6 (docs/benchmarks.md).
     */
    static final Duration BATCH_GAP = Duration.ofMillis(5);
    /**
     * Fewer requests than this waiting when a call returns mean light load: they leave at once rather than
     * gather for the gap, which would only add latency where there is CPU to spare (measured: with 5 ms
     * for every batch, 16 connections lost a third of their PUT/s).
     */
    static final int GATHER_FROM = 4;
    /** With the spacing, enough to keep a call leaving every spacing to a peer answering within 160 ms. */
    static final int MAX_IN_FLIGHT = 8;
    static final int MAX_BATCH_ENTRIES = 512;
    /** Requests waiting for one peer beyond this fail at once rather than fill the heap behind a hung peer. */
    static final int MAX_WAITING = 50_000;
    private static final long NO_FLUSH = Long.MIN_VALUE;

    private final String name;
    private final TimeSource time;
    private final long callSpacingNanos;
    private final long batchGapNanos;
    private final ToIntFunction<I> encodedSize;
    private final Function<List<I>, CompletableFuture<List<R>>> call;

    private final ArrayDeque<Pending<I, R>> waiting = new ArrayDeque<>();
    private int inFlight;
    private long lastCallNanos;
    /** When a timed send is due, or {@link #NO_FLUSH}; requests gather for it. */
    private long flushAtNanos = NO_FLUSH;

    /**
     * @param name what the queue holds, for errors, e.g. "writes to node2"
     * @param call sends a batch of one or more requests; its answers come in the order of the requests
     */
    PeerCallQueue(String name, TimeSource time, Duration callSpacing, Duration batchGap, ToIntFunction<I> encodedSize,
            Function<List<I>, CompletableFuture<List<R>>> call) {
        this.name = name;
        this.time = time;
        this.callSpacingNanos = callSpacing.toNanos();
        this.batchGapNanos = batchGap.toNanos();
        this.encodedSize = encodedSize;
        this.call = call;
    }

    CompletableFuture<R> submit(I request) {
        CompletableFuture<R> answer = new CompletableFuture<>();
        synchronized (this) {
            if (waiting.size() >= MAX_WAITING) {
                answer.completeExceptionally(new IllegalStateException(
                        MAX_WAITING + " " + name + " are already waiting: the peer is not keeping up"));
                return answer;
            }
            waiting.add(new Pending<>(request, answer));
        }
        sendWhatFits(false);
        return answer;
    }

    /** @param waitedBehindACall whether the waiting requests queued behind a call rather than finding the queue idle */
    private void sendWhatFits(boolean waitedBehindACall) {
        while (true) {
            List<Pending<I, R>> batch;
            synchronized (this) {
                if (waiting.isEmpty() || inFlight >= MAX_IN_FLIGHT) {
                    return; // the next answer sends
                }
                long now = time.nanoTime();
                boolean gathering = flushAtNanos != NO_FLUSH;
                // A lone request leaves at once, and so do the few that queued behind a call on a lightly loaded peer.
                boolean idle = inFlight == 0 && !gathering && (!waitedBehindACall || waiting.size() < GATHER_FROM);
                long earliest = idle ? now
                        : lastCallNanos + (inFlight > 0 ? callSpacingNanos : batchGapNanos);
                if (earliest - now > 0) {
                    if (!gathering || earliest - flushAtNanos < 0) {
                        flushAt(earliest, now);
                    }
                    return;
                }
                batch = takeBatch();
                inFlight++;
                lastCallNanos = now;
                flushAtNanos = NO_FLUSH;
            }
            send(batch);
            waitedBehindACall = true;
        }
    }

    /** Holding the lock: sends what is waiting at the given time, even if no answer comes by then. */
    private void flushAt(long atNanos, long nowNanos) {
        flushAtNanos = atNanos;
        // Sending only starts a non-blocking call, so the scheduler's thread can run it directly.
        time.schedule(Duration.ofNanos(atNanos - nowNanos), () -> {
            synchronized (this) {
                if (flushAtNanos == atNanos) {
                    flushAtNanos = NO_FLUSH;
                }
            }
            sendWhatFits(true);
        });
    }

    private List<Pending<I, R>> takeBatch() {
        List<Pending<I, R>> batch = new ArrayList<>(Math.min(waiting.size(), MAX_BATCH_ENTRIES));
        int bytes = 0;
        while (!waiting.isEmpty() && batch.size() < MAX_BATCH_ENTRIES) {
            int size = encodedSize.applyAsInt(waiting.peek().request());
            if (!batch.isEmpty() && bytes + size > InternalApi.MAX_BATCH_BYTES) {
                break;
            }
            batch.add(waiting.poll());
            bytes += size;
        }
        return batch;
    }

    private void send(List<Pending<I, R>> batch) {
        CompletableFuture<List<R>> answers;
        try {
            answers = call.apply(batch.stream().map(Pending::request).toList());
        }
        catch (RuntimeException ex) {
            answers = CompletableFuture.failedFuture(ex);
        }
        answers.whenComplete((results, failure) -> {
            synchronized (this) {
                inFlight--;
                if (inFlight == 0) {
                    flushAtNanos = NO_FLUSH; // a pending spacing timer is moot once no call is out
                }
            }
            Throwable error = failure != null || results.size() == batch.size() ? failure
                    : new IllegalStateException(name + ": " + results.size() + " answers to " + batch.size() + " requests");
            for (int i = 0; i < batch.size(); i++) {
                if (error == null) {
                    batch.get(i).answer().complete(results.get(i));
                }
                else {
                    batch.get(i).answer().completeExceptionally(error);
                }
            }
            sendWhatFits(true);
        });
    }

    private record Pending<I, R>(I request, CompletableFuture<R> answer) {
    }
}
