package dev.quorumkv.storage;

import java.util.List;

import dev.quorumkv.version.Version;

/**
 * Durable hints: writes a replica missed, kept by the coordinator until they can be delivered (hinted
 * handoff). One hint per target replica and key: a newer hint for the same key replaces the older one, so a
 * target that was away while a key changed many times gets only its last version. Implementations are
 * thread-safe and keep, per target, how many hints and how many bytes they hold.
 */
public interface HintStore {

    /**
     * A write {@code target} missed.
     *
     * @param storedAtMillis the wall clock when the hint was kept: hints older than the window are not delivered
     */
    record Hint(String target, String key, Versioned value, long storedAtMillis) {
    }

    enum Outcome {
        /** Kept, alone or in place of an older hint for the same key. */
        STORED,
        /** Not kept: a hint at least as new for the same key is held already, and delivers what this one would. */
        SUPERSEDED,
        /** Not kept: the target's hints would take more than the limit. */
        FULL
    }

    /** Keeps {@code hint} unless the target's hints would then exceed {@code maxBytes} or a newer one is held. */
    Outcome store(Hint hint, long maxBytes);

    /**
     * Up to {@code limit} hints for {@code target} in key order, starting after {@code afterKey} (from the first
     * when null), and no more once they take {@code maxBytes} (but at least one): delivery goes round a
     * target's hints, so one that keeps failing does not hold back the rest, and holds a bounded batch in memory.
     */
    List<Hint> scan(String target, String afterKey, int limit, long maxBytes);

    /**
     * Removes the hint for {@code target} and {@code key} only if it still holds {@code version}: a hint
     * replaced by a newer one while the older was being delivered stays.
     *
     * @return true if removed
     */
    boolean deleteIfUnchanged(String target, String key, Version version);

    /** Hints held for {@code target}. */
    long count(String target);

    /** Bytes the hints for {@code target} take in the store. */
    long bytes(String target);
}
