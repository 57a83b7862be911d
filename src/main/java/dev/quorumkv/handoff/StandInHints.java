package dev.quorumkv.handoff;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.handoff.HintMetrics.DropReason;
import dev.quorumkv.storage.HintStore;
import dev.quorumkv.storage.HintStore.Hint;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.time.TimeSource;
import dev.quorumkv.version.Version;

/**
 * This node standing in for an owner of a key that is down (a sloppy quorum): it keeps the write as a hint
 * for that owner in its own hint store, durably before it answers, since its answer counts toward the
 * coordinator's W, and {@link HintDelivery} delivers it once the owner is up, as any hint. Unlike a missed
 * write ({@link HintRecorder}), a hint that cannot be kept is refused ({@link HintNotHeldException}) rather
 * than dropped: the coordinator must not count it, and keeps the hint itself.
 */
public final class StandInHints {

    private final Cluster cluster;
    private final HintStore hints;
    private final TimeSource time;
    private final Executor hintsThread;
    private final HintMetrics metrics;
    private final boolean enabled;
    private final long maxBytes;

    StandInHints(Cluster cluster, HintStore hints, TimeSource time, Executor hintsThread, HintMetrics metrics,
            HintsProperties properties) {
        this.cluster = cluster;
        this.hints = hints;
        this.time = time;
        this.hintsThread = hintsThread;
        this.metrics = metrics;
        this.enabled = properties.enabled();
        this.maxBytes = properties.maxBytes().toBytes();
    }

    /**
     * A peer's request to hold {@code value} of {@code key} for the member {@code ownerId}; returns once it is kept.
     *
     * @throws InvalidInputException when {@code ownerId} is not one of this node's peers
     * @throws HintNotHeldException  when hints are off here or the owner's hints are full
     */
    public void hold(String ownerId, String key, Versioned value) {
        Optional<Member> owner = cluster.peers().stream().filter(peer -> peer.id().equals(ownerId)).findFirst();
        if (owner.isEmpty()) {
            throw new InvalidInputException("Invalid hint target",
                    "'" + ownerId + "' is not a peer of " + cluster.self().id() + ": a hint is held only for another member");
        }
        keep(new Hint(ownerId, key, value, time.wallMillis()));
    }

    /**
     * This node, as coordinator, standing in itself: the same, on the hints thread, since the caller is a
     * network or request thread that must not wait for a disk.
     */
    public CompletableFuture<Version> holdLater(Member owner, String key, Versioned value) {
        return CompletableFuture.supplyAsync(() -> {
            hold(owner.id(), key, value);
            return value.version();
        }, hintsThread);
    }

    private void keep(Hint hint) {
        if (!enabled) {
            throw new HintNotHeldException(cluster.self().id() + " keeps no hints (quorumkv.hints.enabled=false)");
        }
        switch (hints.store(hint, maxBytes)) {
            case STORED -> metrics.stored();
            case SUPERSEDED -> { } // a hint at least as new is held for the key, and delivers what this one would
            case FULL -> {
                metrics.dropped(DropReason.FULL);
                throw new HintNotHeldException(cluster.self().id() + " holds " + maxBytes
                        + " bytes of hints for " + hint.target() + " already (quorumkv.hints.max-bytes)");
            }
        }
    }

    /** The hint was not kept: this node is alive, but cannot stand in now. */
    public static final class HintNotHeldException extends RuntimeException {

        HintNotHeldException(String message) {
            super(message, null, false, false);
        }
    }
}
