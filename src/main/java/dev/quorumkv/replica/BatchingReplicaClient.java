package dev.quorumkv.replica;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.Versioned;

/**
 * Coalesces writes to each peer. Up to {@link #MAX_IN_FLIGHT} calls per peer are on the wire at once; a
 * write that finds a free slot goes out alone and at once, so a lone write is never delayed. Writes that
 * arrive while every slot is taken wait for the next slot to free up and then leave together as one
 * batch: under load many writes share one HTTP request and one RocksDB write on the replica. The wait is
 * bounded by the in-flight calls' own completion; the coordinator's timeout applies as for any call.
 * Reads and probes pass straight through.
 */
class BatchingReplicaClient implements ReplicaClient {

    static final int MAX_IN_FLIGHT = 4;
    static final int MAX_BATCH_WRITES = 512;
    /** Larger values travel alone; a batch stops growing past this many encoded bytes. */
    static final int MAX_BATCH_BYTES = 1024 * 1024;
    /** Writes waiting for one peer beyond this fail at once rather than fill the heap behind a hung peer. */
    static final int MAX_WAITING = 50_000;

    private final BatchTransport transport;
    private final Map<Member, PeerQueue> queues = new ConcurrentHashMap<>();

    BatchingReplicaClient(BatchTransport transport) {
        this.transport = transport;
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
                    if (inFlight >= MAX_IN_FLIGHT || waiting.isEmpty()) {
                        return;
                    }
                    batch = takeBatch();
                    inFlight++;
                }
                send(batch);
            }
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
