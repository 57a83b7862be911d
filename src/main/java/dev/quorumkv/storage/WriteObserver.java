package dev.quorumkv.storage;

/**
 * Told of every change a store applies to a key, while the change is still the key's latest: a write that
 * was newer than what was held, or the removal of a purged tombstone. Called on the writer's thread with
 * the key's write lock held, so it must be quick and must not block (no I/O, no locks held long).
 */
@FunctionalInterface
public interface WriteObserver {

    /**
     * @param before what the key held before, or null if nothing
     * @param after  what it holds now, or null if it was removed
     */
    void changed(String key, Stamp before, Stamp after);
}
