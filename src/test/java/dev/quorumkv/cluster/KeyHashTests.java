package dev.quorumkv.cluster;

import java.util.BitSet;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KeyHashTests {

    /**
     * A key's hash places it on disk across the cluster: a different value in a later release would move every
     * key's partition. Pinned, for ASCII, Cyrillic and a character outside the BMP alike.
     */
    @Test
    void theHashOfAKeyIsTheSameInEveryRelease() {
        assertThat(KeyHash.of("")).isEqualTo(0xefd01f60ba992926L);
        assertThat(KeyHash.of("a")).isEqualTo(0x82a2a958a9bece5bL);
        assertThat(KeyHash.of("user:1")).isEqualTo(0x4ce53ee4648cef41L);
        assertThat(KeyHash.of("ключ")).isEqualTo(0xf000d492e31c339fL);
        assertThat(KeyHash.of("\uD83D\uDE00")).isEqualTo(0x5f6398e188038c1dL);
    }

    /** The top bits choose the partition and the low bits the tree segment: one partition's keys must fill all segments. */
    @Test
    void theKeysOfOnePartitionSpreadOverEverySegment() {
        BitSet segments = new BitSet(256);
        int inPartition = 0;
        for (int i = 0; inPartition < 5_000; i++) {
            long hash = KeyHash.of("user:" + i);
            if (hash >>> 54 == 7) {
                inPartition++;
                segments.set((int) (hash & 255));
            }
        }
        assertThat(segments.cardinality()).isEqualTo(256);
    }

    @Test
    void keysThatDifferInOneCharacterHashFarApart() {
        long a = KeyHash.of("user:1000");
        long b = KeyHash.of("user:1001");
        assertThat(Long.bitCount(a ^ b)).isBetween(16, 48);
    }
}
