package dev.quorumkv.antientropy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import dev.quorumkv.cluster.PartitionMap;
import dev.quorumkv.storage.Stamp;
import dev.quorumkv.storage.StampedKeys;
import dev.quorumkv.storage.StorageException;
import dev.quorumkv.storage.WriteObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's hash trees, one per partition, in the manner of Riak's tictac AAE: each partition has
 * {@link TreeHashes#SEGMENTS} segments, a segment's hash is the XOR of the entry hashes of its keys, and a
 * partition's root is the XOR of its segments. XOR makes an update independent of every other key: a change
 * XORs the old entry out and the new one in, with one atomic instruction, no lock and no read of the store.
 * Two replicas holding the same keys at the same versions have equal trees, whatever order their writes came in.
 */
public final class HashTrees implements WriteObserver {

    private static final Logger log = LoggerFactory.getLogger(HashTrees.class);

    private static final VarHandle SEGMENT = MethodHandles.arrayElementVarHandle(long[].class);

    private final PartitionMap partitions;
    private final long[] segments;
    /** Why the trees do not cover the store (its scan failed), or null: such trees must never be compared. */
    private volatile StorageException unbuilt;

    HashTrees(PartitionMap partitions) {
        this.partitions = partitions;
        this.segments = new long[partitions.partitions() * TreeHashes.SEGMENTS];
    }

    /**
     * Trees of everything {@code store} holds, kept current from then on. Built before the node takes
     * requests: a write between the scan and the start of observing would be missed until the next start.
     * A store that cannot be read whole (a damaged table file) still lets the node start, to serve what it
     * can and report its storage down; its trees then refuse every comparison, so every exchange with this
     * node fails, saying why, until a start that reads the store whole.
     */
    public static HashTrees of(StampedKeys store, PartitionMap partitions) {
        HashTrees trees = new HashTrees(partitions);
        try {
            store.scan(null, (key, stamp) -> {
                trees.changed(key, null, stamp);
                return true;
            });
        }
        catch (StorageException ex) {
            log.error("Anti-entropy is off on this node until it restarts on a readable store: its hash trees "
                    + "could not be built ({})", ex.getMessage());
            trees.unbuilt = ex;
        }
        store.observeChanges(trees);
        return trees;
    }

    private void requireBuilt() {
        StorageException cause = unbuilt;
        if (cause != null) {
            throw new StorageException("this node's hash trees were not built: " + cause.getMessage(), cause);
        }
    }

    @Override
    public void changed(String key, Stamp before, Stamp after) {
        long keyHash = TreeHashes.keyHash(key);
        long delta = (before == null ? 0 : TreeHashes.entryHash(keyHash, before))
                ^ (after == null ? 0 : TreeHashes.entryHash(keyHash, after));
        int index = partitions.partitionOfHash(keyHash) * TreeHashes.SEGMENTS + TreeHashes.segmentOf(keyHash);
        SEGMENT.getAndBitwiseXor(segments, index, delta);
    }

    /** The segment hashes of one partition, read one by one: concurrent writes may show in some and not others. */
    public long[] segments(int partition) {
        requireBuilt();
        long[] copy = new long[TreeHashes.SEGMENTS];
        for (int segment = 0; segment < copy.length; segment++) {
            copy[segment] = (long) SEGMENT.getVolatile(segments, partition * TreeHashes.SEGMENTS + segment);
        }
        return copy;
    }

    /** Every partition's root, in partition order. */
    public long[] roots() {
        requireBuilt();
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

    /** As {@link #partitionOf(String)}, for a caller that has the key's hash already (its segment needs it too). */
    int partitionOfHash(long keyHash) {
        return partitions.partitionOfHash(keyHash);
    }
}
