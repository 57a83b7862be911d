package dev.quorumkv.replica;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.Versioned;

/**
 * Coalesces writes to each peer. A write that finds no call on the wire to its peer leaves at once and
 * alone, so a lone write is never delayed. Writes arriving while a call is out wait for its answer and then
 * leave together as one batch: one HTTP request and one RocksDB write on the replica. A peer call costs
 * about as much CPU as a client request, so this is what lets a node keep up with its clients, and it
 * adapts by itself: the busier the machine, the longer a round trip, the larger the batches, the fewer
 * the calls (measured: more calls in flight cost more CPU per write on a loaded machine, see
 * docs/benchmarks.md). A call still out after {@link #CALL_SPACING} is no quick round trip: the peer is
 * slow, so the waiting writes leave without it, and a slow peer gets one call per spacing (up to
 * {@link #MAX_IN_FLIGHT} at once) rather than answers stacked behind each other. Reads and probes pass
 * straight through.
 */
class BatchingReplicaClient implements ReplicaClient {

    /** Far above a healthy round trip on loopback or in a rack, well below a timeout. */
    static final Duration CALL_SPACING = Duration.ofMillis(20);
    /** With the spacing, enough to keep a call leaving every spacing to a peer answering within 160 ms. */
    static final int MAX_IN_FLIGHT = 8;
    static final int MAX_BATCH_WRITES = 512;
    /** Larger values travel alone; a batch stops growing past this many encoded bytes. */
    static final int MAX_BATCH_BYTES = 1024 * 1024;
    /** Writes waiting for one peer beyond this fail at once rather than fill the heap behind a hung peer. */
    static final int MAX_WAITING = 50_000;

    private final BatchTransport transport;
    private final long callSpacingNanos;
    private final Map<Member, PeerQueue> queues = new ConcurrentHashMap<>();

    BatchingReplicaClient(BatchTransport transport) {
        this(transport, CALL_SPACING);
    }

    BatchingReplicaClient(BatchTransport transport, Duration callSpacing) {
        this.transport = transport;
        this.callSpacingNanos = callSpacing.toNanos();
    }

    @Override
    public CompletableFuture<Void> write(Member replica, String key, Versioned value) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        queues.computeIfAbsent(replica, PeerQueue::new).submit(new Pending(new KeyedValue(key, value), acked));
        return acked;
    }

    @Override
    public CompletableFuture<Optional<Versioned>> read(Member replica, String key) {
        return transport.read(replica, key);
    }

    @Override
    public CompletableFuture<Void> probe(Member replica) {
        return transport.probe(replica);
    }

    private record Pending(KeyedValue write, CompletableFuture<Void> acked) {

        int encodedSize() {
            Versioned value = write.value();
            return 64 + write.key().length() * 3 + (value.isTombstone() ? 0 : value.value().length + value.contentType().length());
        }
    }

    /** One peer's waiting writes and in-flight calls. */
    private final class PeerQueue {

        private final Member peer;
        private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
        private int inFlight;
        private long lastCallNanos;
        private boolean flushScheduled;

        PeerQueue(Member peer) {
            this.peer = peer;
        }

        void submit(Pending write) {
            synchronized (this) {
                if (waiting.size() >= MAX_WAITING) {
                    write.acked().completeExceptionally(new IllegalStateException(
                            MAX_WAITING + " writes already wait for " + peer.id() + ": it is not keeping up"));
                    return;
                }
                waiting.add(write);
            }
            sendWhatFits();
        }

        private void sendWhatFits() {
            while (true) {
                List<Pending> batch;
                synchronized (this) {
                    if (waiting.isEmpty()) {
                        return;
                    }
                    long now = System.nanoTime();
                    if (inFlight > 0) {
                        if (inFlight >= MAX_IN_FLIGHT) {
                            return; // the next answer sends
                        }
                        long untilNextCall = lastCallNanos + callSpacingNanos - now;
                        if (untilNextCall > 0) {
                            flushIn(untilNextCall);
                            return;
                        }
                    }
                    batch = takeBatch();
                    inFlight++;
                    lastCallNanos = now;
                }
                send(batch);
            }
        }

        /** Holding the lock: makes sure waiting writes leave once the spacing has passed, even if no answer comes. */
        private void flushIn(long nanos) {
            if (flushScheduled) {
                return;
            }
            flushScheduled = true;
            // Sending only starts a non-blocking call, so the JDK's delay thread can run it directly.
            CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS, Runnable::run).execute(() -> {
                synchronized (this) {
                    flushScheduled = false;
                }
                sendWhatFits();
            });
        }

        private List<Pending> takeBatch() {
            List<Pending> batch = new ArrayList<>(Math.min(waiting.size(), MAX_BATCH_WRITES));
            int bytes = 0;
            while (!waiting.isEmpty() && batch.size() < MAX_BATCH_WRITES) {
                int size = waiting.peek().encodedSize();
                if (!batch.isEmpty() && bytes + size > MAX_BATCH_BYTES) {
                    break;
                }
                batch.add(waiting.poll());
                bytes += size;
            }
            return batch;
        }

        private void send(List<Pending> batch) {
            CompletableFuture<Void> call;
            try {
                call = batch.size() == 1
                        ? transport.write(peer, batch.get(0).write().key(), batch.get(0).write().value())
                        : transport.writeBatch(peer, batch.stream().map(Pending::write).toList());
            }
            catch (RuntimeException ex) {
                call = CompletableFuture.failedFuture(ex);
            }
            call.whenComplete((ok, failure) -> {
                synchronized (this) {
                    inFlight--;
                }
                for (Pending write : batch) {
                    if (failure == null) {
                        write.acked().complete(null);
                    }
                    else {
                        write.acked().completeExceptionally(failure);
                    }
                }
                sendWhatFits();
            });
        }
    }
}
