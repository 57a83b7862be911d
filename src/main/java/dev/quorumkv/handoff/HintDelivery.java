package dev.quorumkv.handoff;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.FailureDetector;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.Placement;
import dev.quorumkv.coordinator.ReplicaClient;
import dev.quorumkv.coordinator.ReplicaRejectedException;
import dev.quorumkv.handoff.HintMetrics.DropReason;
import dev.quorumkv.storage.HintStore;
import dev.quorumkv.storage.HintStore.Hint;
import dev.quorumkv.storage.StorageException;
import dev.quorumkv.time.PeriodicTask;
import dev.quorumkv.time.TimeSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers hints to their replicas once they are up again, throttled. Every {@link #TICK}, each peer the
 * failure detector has up, with hints held and no delivery to it still out, is sent its next batch of at most
 * {@code delivery-rate} x tick hints ({@link #MAX_BATCH_BYTES} at most), through the coordinator's {@link ReplicaClient} (which gathers them
 * into few calls), going round the peer's hints in key order. The replica applies them as any write, newer
 * wins, so a hint that arrives after a newer write or tombstone changes nothing. A hint is removed once its
 * replica acknowledged it, and only if no newer hint for the key replaced it meanwhile; one older than the
 * window is removed unsent. One the replica fails or refuses stays, and comes round again after the peer's
 * other hints (a refusal for good, a 4xx, until it expires). Runs from start to stop of the application context.
 * <p>
 * The peers are the current placement's, read each round. A hint whose target is no longer one of the replicas a
 * write of its key goes to ({@link Placement#writeReplicas}: neither an owner of the key's partition nor about to
 * be one) is removed unsent: a change of members moved the partition, and its owners have the write from the
 * coordinator or from the change's streaming. The hints of a peer that has left are removed so too, batch by batch,
 * once it is no longer in the placement (those kept for it before this node last started stay in the store).
 */
final class HintDelivery extends PeriodicTask {

    private static final Logger log = LoggerFactory.getLogger(HintDelivery.class);

    /** Short, so a batch is small against the rate and a returning replica gets its hints at an even pace. */
    static final Duration TICK = Duration.ofMillis(100);
    /**
     * The bytes of one batch, whatever the rate: a batch is held in memory, outside admission control, until
     * answered, and 200 hints of 1 MiB values would take most of a small heap. 40 MiB/s at most per replica.
     */
    static final long MAX_BATCH_BYTES = 4L * 1024 * 1024;

    private final Cluster cluster;
    private final FailureDetector failureDetector;
    private final HintStore hints;
    private final ReplicaClient replicas;
    private final TimeSource time;
    private final Executor hintsThread;
    private final HintMetrics metrics;
    private final long windowMillis;
    private final int perTick;
    /** Per peer, the last key of the batch before: the next starts after it, the first after the last. */
    private final Map<String, String> resumeAfter = new ConcurrentHashMap<>();
    private final Set<String> delivering = ConcurrentHashMap.newKeySet();
    /** Every peer at the start or in a round since, by id: one no longer in the placement still has its hints to drop. */
    private final Map<String, Member> peersSeen = new ConcurrentHashMap<>();

    HintDelivery(Cluster cluster, FailureDetector failureDetector, HintStore hints, ReplicaClient replicas, TimeSource time,
            Executor hintsThread, HintMetrics metrics, HintsProperties properties) {
        super(time, TICK);
        this.time = time;
        this.cluster = cluster;
        this.failureDetector = failureDetector;
        this.hints = hints;
        this.replicas = replicas;
        this.hintsThread = hintsThread;
        this.metrics = metrics;
        this.windowMillis = properties.window().toMillis();
        this.perTick = (int) (properties.deliveryRate() * TICK.toMillis() / 1000);
        cluster.peers().forEach(peer -> peersSeen.put(peer.id(), peer));
    }

    /** The next round starts a tick after this one has been handed its batches, on the hints thread. */
    @Override
    protected CompletionStage<?> runOnce() {
        return CompletableFuture.runAsync(this::deliver, hintsThread);
    }

    /**
     * One round: a batch to each peer that is up, has hints and has no batch still out; and a batch of each peer
     * that has left dropped.
     */
    void deliver() {
        Placement placement = cluster.placement();
        List<Member> peers = cluster.peersIn(placement);
        for (Member peer : peers) {
            peersSeen.put(peer.id(), peer);
            if (failureDetector.isUp(peer)) {
                startBatch(peer, placement);
            }
        }
        Set<String> current = peers.stream().map(Member::id).collect(Collectors.toSet());
        peersSeen.values().stream().filter(former -> !current.contains(former.id())).toList().forEach(left -> {
            if (hints.count(left.id()) == 0) {
                peersSeen.remove(left.id());
                resumeAfter.remove(left.id());
            }
            else {
                startBatch(left, placement); // owns nothing: every hint of the batch is dropped, none sent
            }
        });
    }

    /** The next batch of {@code peer}'s hints, unless it has none or its last batch is still out. */
    private void startBatch(Member peer, Placement placement) {
        if (hints.count(peer.id()) > 0 && delivering.add(peer.id())) {
            try {
                deliverTo(peer, placement);
            }
            catch (StorageException ex) {
                delivering.remove(peer.id());
                log.debug("Hints for {} not delivered this round: {}", peer.id(), ex.getMessage());
            }
        }
    }

    private void deliverTo(Member peer, Placement placement) {
        String after = resumeAfter.get(peer.id());
        List<Hint> batch = hints.scan(peer.id(), after, perTick, MAX_BATCH_BYTES);
        if (batch.isEmpty() && after != null) { // past the last: round again from the first
            batch = hints.scan(peer.id(), null, perTick, MAX_BATCH_BYTES);
        }
        if (batch.isEmpty()) {
            resumeAfter.remove(peer.id());
        }
        else {
            resumeAfter.put(peer.id(), batch.get(batch.size() - 1).key());
        }
        long now = time.wallMillis();
        CompletableFuture<?>[] sent = batch.stream().map(hint -> {
            if (now - hint.storedAtMillis() > windowMillis) {
                if (hints.deleteIfUnchanged(peer.id(), hint.key(), hint.value().version())) {
                    metrics.dropped(DropReason.EXPIRED);
                }
                return CompletableFuture.completedFuture(null);
            }
            if (!writtenTo(peer, hint.key(), placement)) {
                if (hints.deleteIfUnchanged(peer.id(), hint.key(), hint.value().version())) {
                    metrics.dropped(DropReason.MOVED);
                }
                return CompletableFuture.completedFuture(null);
            }
            return send(peer, hint);
        }).toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(sent).whenComplete((done, failure) -> delivering.remove(peer.id()));
    }

    /** Whether a write of {@code key} goes to {@code peer} now: by id, as hints name their target. */
    private static boolean writtenTo(Member peer, String key, Placement placement) {
        return placement.writeReplicas(placement.partitionOf(key)).stream().anyMatch(replica -> replica.id().equals(peer.id()));
    }

    /** Completes, never exceptionally, once the replica has answered and what follows from it is done. */
    private CompletableFuture<Void> send(Member peer, Hint hint) {
        CompletableFuture<?> call;
        try {
            call = replicas.write(peer, hint.key(), hint.value());
        }
        catch (RuntimeException ex) {
            call = CompletableFuture.failedFuture(ex);
        }
        return call.<Void>handleAsync((held, failure) -> {
            if (failure == null) {
                failureDetector.recordSuccess(peer);
                if (hints.deleteIfUnchanged(peer.id(), hint.key(), hint.value().version())) {
                    metrics.delivered();
                }
            }
            else if (!(unwrap(failure) instanceof ReplicaRejectedException)) {
                // Gone again: marked down after a few, the peer gets no more batches until it answers a probe.
                failureDetector.recordFailure(peer, unwrap(failure));
            }
            return null;
        }, hintsThread).exceptionally(storeFailed -> null);
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
