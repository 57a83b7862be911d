package dev.quorumkv.antientropy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;
import dev.quorumkv.cluster.StaticPlacement;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;

class PartitionDropperTests {

    private static final List<Member> FOUR = IntStream.rangeClosed(1, 4)
            .mapToObj(i -> new Member("n" + i, URI.create("http://n" + i))).toList();
    private static final PartitionMap THREE_OWNERS_OF_FOUR = PartitionMap.striped(FOUR, 16, 3);

    private final InMemoryStore store = new InMemoryStore();
    private final PartitionDropper dropper = new PartitionDropper("n1", store);

    @Test
    void keysOfPartitionsThisNodeNoLongerHoldsAreRemovedAndTheRestKept() {
        IntStream.range(0, 200).forEach(i -> store.putIfNewer("key-" + i, Versioned.tombstone(new Version(1 + i, 0, "c"))));

        long dropped = dropper.dropNotHeld(new StaticPlacement(7, THREE_OWNERS_OF_FOUR, FOUR));

        assertThat(dropped).isPositive();
        assertThat(store.contents()).hasSize(200 - (int) dropped);
        assertThat(store.contents().keySet()).allSatisfy(key -> assertThat(
                THREE_OWNERS_OF_FOUR.owners(THREE_OWNERS_OF_FOUR.partitionOf(key))).extracting(Member::id).contains("n1"));
    }

    @Test
    void aPlacementThatDoesNotNameThisNodeDropsNothing() {
        store.putIfNewer("key", Versioned.tombstone(new Version(1, 0, "c")));
        List<Member> others = FOUR.subList(1, 4);

        assertThat(dropper.dropNotHeld(new StaticPlacement(0, PartitionMap.striped(others, 16, 3), others))).isZero();
        assertThat(dropper.dropNotHeld(new StaticPlacement(3, PartitionMap.striped(others, 16, 3), others)))
                .as("an epoch a joiner catches up on, from before it joined").isZero();
        assertThat(store.contents()).containsKey("key");
    }
}
