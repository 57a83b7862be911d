package dev.quorumkv.handoff;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.FailureDetector;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.MissedWrites;
import dev.quorumkv.handoff.HintMetrics.DropReason;
import dev.quorumkv.storage.HintStore;
import dev.quorumkv.storage.HintStore.Hint;
import dev.quorumkv.storage.StorageException;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.time.TimeSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each write a replica missed as a hint for it, as Cassandra does: not for this node itself (its own
 * store failed; a hint would go to the same store), not for a replica marked down longer than the window
 * (anti-entropy brings that one back), and not beyond the byte limit per replica. How long a replica has
 * been down is this node's failure detector's view since it started: a node restarted while the replica
 * stays down counts the window again, as Cassandra's gossip does. The hint is written on the hints thread;
 * the coordinator holds the value until then.
 */
final class HintRecorder implements MissedWrites {

    private static final Logger log = LoggerFactory.getLogger(HintRecorder.class);

    private static final CompletableFuture<Void> NOTHING_TO_KEEP = CompletableFuture.completedFuture(null);

    private final Cluster cluster;
    private final FailureDetector failureDetector;
    private final HintStore hints;
    private final TimeSource time;
    private final Executor hintsThread;
    private final HintMetrics metrics;
    private final boolean enabled;
    private final Duration window;
    private final long maxBytes;

    HintRecorder(Cluster cluster, FailureDetector failureDetector, HintStore hints, TimeSource time, Executor hintsThread,
            HintMetrics metrics, HintsProperties properties) {
        this.cluster = cluster;
        this.failureDetector = failureDetector;
        this.hints = hints;
        this.time = time;
        this.hintsThread = hintsThread;
        this.metrics = metrics;
        this.enabled = properties.enabled();
        this.window = properties.window();
        this.maxBytes = properties.maxBytes().toBytes();
    }

    @Override
    public CompletableFuture<Void> missed(Member replica, String key, Versioned value) {
        if (!enabled || cluster.isSelf(replica)) {
            return NOTHING_TO_KEEP;
        }
        Optional<Duration> down = failureDetector.downFor(replica);
        if (down.isPresent() && down.get().compareTo(window) > 0) {
            metrics.dropped(DropReason.WINDOW);
            return NOTHING_TO_KEEP;
        }
        Hint hint = new Hint(replica.id(), key, value, time.wallMillis());
        try {
            return CompletableFuture.runAsync(() -> keep(hint), hintsThread);
        }
        catch (RejectedExecutionException shuttingDown) {
            return NOTHING_TO_KEEP;
        }
    }

    private void keep(Hint hint) {
        try {
            switch (hints.store(hint, maxBytes)) {
                case STORED -> metrics.stored();
                case FULL -> metrics.dropped(DropReason.FULL);
                case SUPERSEDED -> { } // the newer hint held delivers what this one would
            }
        }
        catch (StorageException ex) {
            // The store reports itself in health; the write stays missed until anti-entropy repairs it.
            log.debug("Hint for {} not kept: {}", hint.target(), ex.getMessage());
        }
    }
}
