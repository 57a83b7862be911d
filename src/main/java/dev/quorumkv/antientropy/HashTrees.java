package dev.quorumkv.antientropy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import dev.quorumkv.cluster.PartitionMap;
import dev.quorumkv.storage.Stamp;
import dev.quorumkv.storage.StampedKeys;
import dev.quorumkv.storage.WriteObserver;

/**
 * This node's hash trees, one per partition, in the manner of Riak's tictac AAE: each partition has
 * {@link TreeHashes#SEGMENTS} segments, a segment's hash is the XOR of the entry hashes of its keys, and a
 * partition's root is the XOR of its segments. XOR makes an update independent of every other key: a change
 * XORs the old entry out and the new one in, with one atomic instruction, no lock and no read of the store.
 * Two replicas holding the same keys at the same versions have equal trees, whatever order their writes came in.
 */
public final class HashTrees implements WriteObserver {

    private static final VarHandle SEGMENT = MethodHandles.arrayElementVarHandle(long[].class);

    private final PartitionMap partitions;
    private final long[] segments;

    HashTrees(PartitionMap partitions) {
        this.partitions = partitions;
        this.segments = new long[partitions.partitions() * TreeHashes.SEGMENTS];
    }

    /**
     * Trees of everything {@code store} holds, kept current from then on. Built before the node takes
     * requests: a write between the scan and the start of observing would be missed until the next start.
     */
    public static HashTrees of(StampedKeys store, PartitionMap partitions) {
        HashTrees trees = new HashTrees(partitions);
        store.scan(null, (key, stamp) -> {
            trees.changed(key, null, stamp);
            return true;
        });
        store.observeChanges(trees);
        return trees;
    }

    @Override
    public void changed(String key, Stamp before, Stamp after) {
        long keyHash = TreeHashes.keyHash(key);
        long delta = (before == null ? 0 : TreeHashes.entryHash(keyHash, before))
                ^ (after == null ? 0 : TreeHashes.entryHash(keyHash, after));
        int index = partitions.partitionOf(key) * TreeHashes.SEGMENTS + TreeHashes.segmentOf(keyHash);
        SEGMENT.getAndBitwiseXor(segments, index, delta);
    }

    /** The segment hashes of one partition, read one by one: concurrent writes may show in some and not others. */
    public long[] segments(int partition) {
        long[] copy = new long[TreeHashes.SEGMENTS];
        for (int segment = 0; segment < copy.length; segment++) {
            copy[segment] = (long) SEGMENT.getVolatile(segments, partition * TreeHashes.SEGMENTS + segment);
        }
        return copy;
    }

    /** Every partition's root, in partition order. */
    public long[] roots() {
        long[] roots = new long[partitions.partitions()];
        for (int partition = 0; partition < roots.length; partition++) {
            roots[partition] = root(segments(partition));
        }
        return roots;
    }

    static long root(long[] segments) {
        long root = 0;
        for (long segment : segments) {
            root ^= segment;
        }
        return root;
    }

    int partitionOf(String key) {
        return partitions.partitionOf(key);
    }
}
