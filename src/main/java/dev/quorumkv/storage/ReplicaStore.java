package dev.quorumkv.storage;

import java.util.List;
import java.util.Optional;

/** A replica's durable copy of the keys it holds. Implementations are thread-safe. */
public interface ReplicaStore {

    /** The newest version held for {@code key}, a tombstone included. */
    Optional<Versioned> get(String key);

    /** {@link #get} for many keys at once, in their order. */
    default List<Optional<Versioned>> getAll(List<String> keys) {
        return keys.stream().map(this::get).toList();
    }

    /**
     * Stores {@code incoming} only if it is newer than what is held (last writer wins by version), so late,
     * duplicated or reordered deliveries never regress a key. Returns once the write, if applied, is in the
     * write-ahead log.
     *
     * @return true if applied; false if the store already held this or a newer version
     */
    boolean putIfNewer(String key, Versioned incoming);

    /**
     * {@link #putIfNewer} for many keys at once, made durable together.
     *
     * @return how many of the writes were applied
     */
    int putAllIfNewer(List<KeyedValue> writes);
}
