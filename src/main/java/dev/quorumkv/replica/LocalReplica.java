package dev.quorumkv.replica;

import java.util.List;
import java.util.Optional;

import dev.quorumkv.antientropy.ReadFence;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.ReplicaStore;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.HybridLogicalClock;
import dev.quorumkv.version.Version;

/**
 * This node in its replica role, whether the write comes from itself as coordinator or from a peer:
 * apply-if-newer on the store, and move the clock past every version received, so versions this node
 * stamps later are newer than anything it has stored. A write answers with the version the replica holds
 * afterwards: the write's own, or a newer one that shadows it, which the coordinator must know of
 * (DESIGN.md, the write path, item 6).
 */
public class LocalReplica {

    private final ReplicaStore store;
    private final HybridLogicalClock clock;
    private final ReadFence readFence;

    /** @param readFence refuses reads while this node's data may miss deletes its peers have purged since */
    public LocalReplica(ReplicaStore store, HybridLogicalClock clock, ReadFence readFence) {
        this.store = store;
        this.clock = clock;
        this.readFence = readFence;
    }

    /**
     * @return the version held now: the write's, or a newer one already held
     * @throws dev.quorumkv.version.VersionTooFarAheadException when the version lies too far in the future
     */
    public Version write(String key, Versioned value) {
        clock.observe(value.version());
        return store.putIfNewer(key, value) ? value.version() : heldAfter(key, value);
    }

    /**
     * A batch (a peer's, or this node's combined writes): each write applied if newer, all made durable
     * together. Every version is checked before any is applied: a batch is refused whole.
     *
     * @return the version held now for each write, in order
     */
    public List<Version> writeAll(List<KeyedValue> writes) {
        writes.forEach(write -> clock.observe(write.value().version()));
        int applied = store.putAllIfNewer(writes);
        if (applied == writes.size()) {
            return writes.stream().map(write -> write.value().version()).toList();
        }
        // Rare (a duplicate delivery, a key twice in one batch, a shadowing version): ask the store.
        return writes.stream().map(write -> heldAfter(write.key(), write.value())).toList();
    }

    /** What the store holds for a write it did not apply: the same version, or a newer one. */
    private Version heldAfter(String key, Versioned write) {
        Version held = store.get(key).map(Versioned::version).orElse(write.version());
        return held.isNewerThan(write.version()) ? held : write.version();
    }

    public Optional<Versioned> read(String key) {
        readFence.check();
        return store.get(key);
    }

    /** A peer's batch of reads: the newest version of each key, in order. */
    public List<Optional<Versioned>> readAll(List<String> keys) {
        readFence.check();
        return store.getAll(keys);
    }
}
