package dev.quorumkv.antientropy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.ReplicaStore;
import dev.quorumkv.storage.StampedKeys;
import dev.quorumkv.storage.StorageException;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.rocksdb.RocksDbReplicaStore;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HashTreesTests {

    private static final PartitionMap PARTITIONS = PartitionMap.striped(List.of(new Member("n1", null)), 16, 1);

    @TempDir
    Path dir;

    @Test
    void treesKeptCurrentThroughRandomWritesEqualTreesRebuiltFromScratch() {
        InMemoryStore store = new InMemoryStore();
        HashTrees kept = HashTrees.of(store, PARTITIONS);
        applyRandomHistory(store, new Random(7), false);

        assertSameTrees(kept, HashTrees.of(store, PARTITIONS));
    }

    @Test
    void theRocksDbStoreReportsEveryAppliedWriteBatchedOrSingleAndEveryPurge() {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            HashTrees kept = HashTrees.of(store, PARTITIONS);
            applyRandomHistory(store, new Random(11), true);

            assertSameTrees(kept, HashTrees.of(store, PARTITIONS));
        }
    }

    /** A damaged store lets the node start, but its partial trees are never compared: every exchange fails, saying why. */
    @Test
    void treesOfAStoreThatCannotBeReadWholeRefuseEveryComparison() {
        InMemoryStore damaged = new InMemoryStore() {
            @Override
            public void scan(String after, StampVisitor visitor) {
                throw new StorageException("block checksum mismatch", null);
            }
        };

        HashTrees trees = HashTrees.of(damaged, PARTITIONS);

        assertThatThrownBy(trees::roots).isInstanceOf(StorageException.class)
                .hasMessageContaining("hash trees were not built").hasMessageContaining("block checksum mismatch");
        assertThatThrownBy(() -> trees.segments(0)).isInstanceOf(StorageException.class);
    }

    @Test
    void replicasHoldingTheSameVersionsHaveEqualTreesWhateverTheOrderOfTheirWrites() {
        List<KeyedValue> writes = new ArrayList<>();
        Random random = new Random(3);
        for (int i = 0; i < 2_000; i++) {
            writes.add(new KeyedValue("k" + random.nextInt(300), randomValue(random)));
        }
        InMemoryStore inOrder = new InMemoryStore();
        HashTrees first = HashTrees.of(inOrder, PARTITIONS);
        writes.forEach(write -> inOrder.putIfNewer(write.key(), write.value()));
        Collections.shuffle(writes, random);
        InMemoryStore shuffled = new InMemoryStore();
        HashTrees second = HashTrees.of(shuffled, PARTITIONS);
        writes.forEach(write -> shuffled.putIfNewer(write.key(), write.value()));

        assertSameTrees(first, second);
    }

    @Test
    void aKeyAtAnotherVersionOrTurnedTombstoneChangesItsSegmentAndRoot() {
        InMemoryStore store = new InMemoryStore();
        HashTrees trees = HashTrees.of(store, PARTITIONS);
        store.putIfNewer("k", Versioned.value(new Version(1, 0, "n1"), "text/plain", new byte[] {1}));
        long[] before = trees.roots();
        store.putIfNewer("k", Versioned.tombstone(new Version(1, 1, "n1")));

        int partition = PARTITIONS.partitionOf("k");
        assertThat(trees.roots()[partition]).isNotEqualTo(before[partition]);
        long[] otherRoots = trees.roots();
        otherRoots[partition] = before[partition];
        assertThat(otherRoots).containsExactly(before);
    }

    /** Writes, overwrites, stale writes, tombstones and tombstone purges, on few keys so they collide. */
    private static void applyRandomHistory(ReplicaStore store, Random random, boolean inBatches) {
        StampedKeys stamped = (StampedKeys) store;
        for (int step = 0; step < 3_000; step++) {
            if (inBatches && random.nextInt(10) == 0) {
                List<KeyedValue> batch = IntStream.range(0, 1 + random.nextInt(20))
                        .mapToObj(i -> new KeyedValue("k" + random.nextInt(200), randomValue(random))).toList();
                store.putAllIfNewer(batch);
            }
            else if (random.nextInt(10) == 0) {
                String key = "k" + random.nextInt(200);
                store.get(key).filter(Versioned::isTombstone).ifPresent(held -> stamped.removeTombstone(key, held.version()));
            }
            else {
                store.putIfNewer("k" + random.nextInt(200), randomValue(random));
            }
        }
    }

    private static Versioned randomValue(Random random) {
        Version version = new Version(1_000 + random.nextInt(500), random.nextInt(3), "n" + random.nextInt(3));
        return random.nextInt(4) == 0 ? Versioned.tombstone(version)
                : Versioned.value(version, "text/plain", new byte[] {(byte) random.nextInt()});
    }

    private static void assertSameTrees(HashTrees actual, HashTrees expected) {
        assertThat(actual.roots()).containsExactly(expected.roots());
        for (int partition = 0; partition < PARTITIONS.partitions(); partition++) {
            assertThat(actual.segments(partition)).containsExactly(expected.segments(partition));
        }
        assertThat(expected.roots()).as("the history left keys behind").isNotEqualTo(new long[PARTITIONS.partitions()]);
    }
}
