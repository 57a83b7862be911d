package dev.quorumkv.replica;

import java.util.List;
import java.util.Optional;

import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.ReplicaStore;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.HybridLogicalClock;

/**
 * This node in its replica role, whether the write comes from itself as coordinator or from a peer:
 * apply-if-newer on the store, and move the clock past every version received, so versions this node
 * stamps later are newer than anything it has stored.
 */
public class LocalReplica {

    private final ReplicaStore store;
    private final HybridLogicalClock clock;

    public LocalReplica(ReplicaStore store, HybridLogicalClock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** @return true if applied, false if this replica already held this or a newer version */
    public boolean write(String key, Versioned value) {
        clock.observe(value.version());
        return store.putIfNewer(key, value);
    }

    /** A batch (a peer's, or this node's combined writes): each write applied if newer, all made durable together. */
    public void writeAll(List<KeyedValue> writes) {
        writes.forEach(write -> clock.observe(write.value().version()));
        store.putAllIfNewer(writes);
    }

    public Optional<Versioned> read(String key) {
        return store.get(key);
    }

    /** A peer's batch of reads: the newest version of each key, in order. */
    public List<Optional<Versioned>> readAll(List<String> keys) {
        return store.getAll(keys);
    }
}
