package dev.quorumkv.replica;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.ReplicaClient;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.time.TimeSource;
import dev.quorumkv.version.Version;

/**
 * Coalesces the calls to each peer: writes with writes, reads with reads, each kind through its own
 * {@link PeerCallQueue} (see there for when a call leaves). A lone request travels alone through the
 * single-key call; requests that queued behind a call in flight travel as one batch. Reads need this as
 * much as writes: a coordinator asks all N replicas, so unbatched reads to a peer that has fallen behind
 * pile up there faster than it can answer them, long after the quorum stopped waiting (measured before reads were
 * batched: two thirds of two nodes' reads of the third timed out in one GET run). Probes pass straight through.
 * <p>
 * A batch names the oldest epoch its requests were routed with: should that one be stale at the replica, the
 * whole batch is refused, and its requests' coordinators retry with their current placement. Batches mixing
 * epochs are rare (a node's requests all take its current placement), and never is a stale request let through.
 */
class BatchingReplicaClient implements ReplicaClient {

    private final BatchTransport transport;
    private final TimeSource time;
    private final Duration callSpacing;
    private final Duration batchGap;
    private final Map<Member, PeerCallQueue<Routed<KeyedValue>, Version>> writes = new ConcurrentHashMap<>();
    private final Map<Member, PeerCallQueue<Routed<String>, Optional<Versioned>>> reads = new ConcurrentHashMap<>();

    /** A request and the epoch it was routed with ({@link #NO_EPOCH}: none). */
    private record Routed<T>(T request, long epoch) {

        /** The oldest epoch in {@code batch}; {@link #NO_EPOCH} only when none of them was routed. */
        static long oldest(List<? extends Routed<?>> batch) {
            return batch.stream().mapToLong(Routed::epoch).filter(epoch -> epoch != NO_EPOCH).min().orElse(NO_EPOCH);
        }
    }

    BatchingReplicaClient(BatchTransport transport, TimeSource time) {
        this(transport, time, PeerCallQueue.CALL_SPACING, PeerCallQueue.BATCH_GAP);
    }

    BatchingReplicaClient(BatchTransport transport, TimeSource time, Duration callSpacing, Duration batchGap) {
        this.transport = transport;
        this.time = time;
        this.callSpacing = callSpacing;
        this.batchGap = batchGap;
    }

    @Override
    public CompletableFuture<Version> write(Member replica, String key, Versioned value) {
        return write(replica, key, value, NO_EPOCH);
    }

    @Override
    public CompletableFuture<Version> write(Member replica, String key, Versioned value, long epoch) {
        return writes.computeIfAbsent(replica, this::writeQueue).submit(new Routed<>(new KeyedValue(key, value), epoch));
    }

    @Override
    public CompletableFuture<Optional<Versioned>> read(Member replica, String key) {
        return read(replica, key, NO_EPOCH);
    }

    @Override
    public CompletableFuture<Optional<Versioned>> read(Member replica, String key, long epoch) {
        return reads.computeIfAbsent(replica, this::readQueue).submit(new Routed<>(key, epoch));
    }

    @Override
    public CompletableFuture<Void> probe(Member replica) {
        return transport.probe(replica);
    }

    private PeerCallQueue<Routed<KeyedValue>, Version> writeQueue(Member peer) {
        return new PeerCallQueue<>("writes to " + peer.id(), time, callSpacing, batchGap,
                write -> encodedSize(write.request()), batch -> {
                    long epoch = Routed.oldest(batch);
                    KeyedValue first = batch.get(0).request();
                    return batch.size() == 1
                            ? transport.write(peer, first.key(), first.value(), epoch).thenApply(List::of)
                            : transport.writeBatch(peer, batch.stream().map(Routed::request).toList(), epoch);
                });
    }

    private PeerCallQueue<Routed<String>, Optional<Versioned>> readQueue(Member peer) {
        return new PeerCallQueue<>("reads from " + peer.id(), time, callSpacing, batchGap,
                read -> 8 + read.request().length() * 3,
                batch -> readDistinct(peer, batch.stream().map(Routed::request).toList(), Routed.oldest(batch)));
    }

    /**
     * Each key of a batch asked once, its answer shared by every read of it: concurrent reads of a hot key
     * cost the peer one lookup, the wire one value and this node one copy of it, not one per reader (120
     * readers of one 1 MiB key queued behind a call had the batch hold 120 copies before any was answered).
     */
    private CompletableFuture<List<Optional<Versioned>>> readDistinct(Member peer, List<String> batch, long epoch) {
        List<String> keys = batch.stream().distinct().toList();
        CompletableFuture<List<Optional<Versioned>>> answers = keys.size() == 1
                ? transport.read(peer, keys.get(0), epoch).thenApply(List::of)
                : transport.readBatch(peer, keys, epoch);
        if (keys.size() == batch.size()) {
            return answers;
        }
        return answers.thenApply(distinct -> {
            if (distinct.size() != keys.size()) {
                return distinct; // the queue refuses a miscounted answer whole
            }
            Map<String, Optional<Versioned>> byKey = new HashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                byKey.put(keys.get(i), distinct.get(i));
            }
            return batch.stream().map(byKey::get).toList();
        });
    }

    private static int encodedSize(KeyedValue write) {
        Versioned value = write.value();
        return 64 + write.key().length() * 3 + (value.isTombstone() ? 0 : value.value().length + value.contentType().length());
    }
}
