package dev.quorumkv.antientropy;

import java.util.ArrayList;
import java.util.List;

import dev.quorumkv.coordinator.GcGrace;
import dev.quorumkv.storage.StampedKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Removes tombstones once both hold: they are past gc-grace, and a round that completed with every other owner
 * of their partition started after they were stamped, so every owner holds the delete (or something newer) and
 * none can bring the deleted value back.
 */
class TombstonePurger {

    /** Tombstones removed per pass at most, so a pass's list stays small; the rest wait for the next pass. */
    static final int MAX_PER_PASS = 100_000;

    private final StampedKeys store;
    private final HashTrees trees;
    private final RepairHistory history;
    private final GcGrace gcGrace;
    private final Counter purged;

    TombstonePurger(StampedKeys store, HashTrees trees, RepairHistory history, GcGrace gcGrace, MeterRegistry registry) {
        this.store = store;
        this.trees = trees;
        this.history = history;
        this.gcGrace = gcGrace;
        this.purged = registry.counter("quorumkv.tombstones.purged");
    }

    /** @return how many tombstones were removed */
    int purge() {
        List<KeyStamp> due = new ArrayList<>();
        store.scan(null, (key, stamp) -> {
            if (gcGrace.isPast(stamp) && stamp.version().wallMillis() < history.lastCompleteRoundStart(trees.partitionOf(key))) {
                due.add(new KeyStamp(key, stamp));
            }
            return due.size() < MAX_PER_PASS;
        });
        int removed = 0;
        for (KeyStamp tombstone : due) {
            // A write since the scan (the key written again) keeps the key: only the tombstone seen is removed.
            if (store.removeTombstone(tombstone.key(), tombstone.stamp().version())) {
                removed++;
            }
        }
        purged.increment(removed);
        return removed;
    }
}
