package dev.quorumkv.storage;

import dev.quorumkv.version.Version;

/**
 * What anti-entropy and tombstone GC need of a replica's store beyond {@link ReplicaStore}: to be told of
 * every change, to walk every key in a stable order, and to remove a tombstone that nothing has overwritten.
 * Implementations are thread-safe.
 */
public interface StampedKeys {

    /** From now on, every applied write or removal is told to {@code observer}; one observer at a time. */
    void observeChanges(WriteObserver observer);

    /**
     * Visits the keys held, tombstones included, in key order: by the unsigned bytes of their UTF-8, which
     * is the order of their code points ({@link KeyOrder}). Starts after {@code after} (null: at the first
     * key) and stops when the visitor answers false. Writes may go on meanwhile; each key is seen at most once.
     */
    void scan(String after, StampVisitor visitor);

    /**
     * Removes {@code key} if it still holds a tombstone at exactly {@code version}, in one step with respect
     * to writes of that key, so a write that arrived since is never lost.
     *
     * @return true if the tombstone was removed
     */
    boolean removeTombstone(String key, Version version);

    /**
     * Removes {@code key} if it still holds exactly {@code version}, value or tombstone, in one step with respect
     * to writes of that key: for a partition this node no longer holds after a membership change.
     *
     * @return true if the key was removed
     */
    boolean removeAt(String key, Version version);

    @FunctionalInterface
    interface StampVisitor {

        /** @return whether to go on */
        boolean visit(String key, Stamp stamp);
    }
}
