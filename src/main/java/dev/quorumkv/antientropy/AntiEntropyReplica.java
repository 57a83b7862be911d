package dev.quorumkv.antientropy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.quorumkv.storage.ReplicaStore;
import dev.quorumkv.storage.StampedKeys;
import dev.quorumkv.storage.Versioned;

/**
 * What this node answers peers exchanging with it: its trees' roots and segments, and the keys it holds in
 * the segments that differ, a page at a time.
 */
public class AntiEntropyReplica {

    /** Keys per page: at most 512 bytes of key and 253 of node id each, a page stays below a megabyte. */
    public static final int PAGE_KEYS = 1000;

    private final HashTrees trees;
    private final StampedKeys store;
    private final ReplicaStore values;

    /** @param values the same store, for the values this node copies to peers */
    public AntiEntropyReplica(HashTrees trees, StampedKeys store, ReplicaStore values) {
        this.trees = trees;
        this.store = store;
        this.values = values;
    }

    public long[] roots() {
        return trees.roots();
    }

    public long[] segments(int partition) {
        return trees.segments(partition);
    }

    /**
     * A value this node holds, read from the store itself: past the {@link ReadFence}, which keeps old data from
     * clients, not from the round that lifts it (a round that could not copy this node's newer keys would
     * never complete).
     */
    Optional<Versioned> read(String key) {
        return values.get(key);
    }

    /** The keys after {@code after} (null: from the first) in the selected segments, at most {@link #PAGE_KEYS}. */
    public StampPage stamps(SegmentSelection selection, String after) {
        List<KeyStamp> page = new ArrayList<>();
        boolean[] more = {false};
        store.scan(after, (key, stamp) -> {
            long keyHash = TreeHashes.keyHash(key);
            if (!selection.contains(trees.partitionOfHash(keyHash), TreeHashes.segmentOf(keyHash))) {
                return true;
            }
            if (page.size() == PAGE_KEYS) {
                more[0] = true;
                return false;
            }
            page.add(new KeyStamp(key, stamp));
            return true;
        });
        return new StampPage(page, more[0]);
    }
}
