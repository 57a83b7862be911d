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

    @Test
    void theStoreIsScannedOnlyWhenAPlacementGivesAPartitionAway() {
        int[] scans = {0};
        InMemoryStore counted = new InMemoryStore() {
            @Override
            public void scan(String after, StampVisitor visitor) {
                scans[0]++;
                super.scan(after, visitor);
            }
        };
        PartitionDropper dropping = new PartitionDropper("n1", counted);
        List<Member> three = FOUR.subList(0, 3);
        PartitionMap allOnThree = PartitionMap.striped(three, 16, 3);
        PartitionMap shareOfFour = allOnThree.withMemberAdded(FOUR.get(3), 3);
        IntStream.range(0, 200).forEach(i -> counted.putIfNewer("key-" + i, Versioned.tombstone(new Version(1 + i, 0, "c"))));

        dropping.dropNotHeld(new StaticPlacement(1, allOnThree, three));
        dropping.dropNotHeld(new StaticPlacement(2, allOnThree, three));
        assertThat(scans[0]).as("holding every partition, there is nothing to drop").isZero();

        assertThat(dropping.dropNotHeld(new StaticPlacement(3, shareOfFour, FOUR))).isPositive();
        dropping.dropNotHeld(new StaticPlacement(4, shareOfFour, FOUR));
        assertThat(scans[0]).as("the same share again gives nothing away").isEqualTo(1);

        dropping.dropNotHeld(new StaticPlacement(5, allOnThree, three));
        String regained = IntStream.range(0, 1000).mapToObj(i -> "regained-" + i)
                .filter(key -> shareOfFour.owners(shareOfFour.partitionOf(key)).stream().noneMatch(member -> member.id().equals("n1")))
                .findFirst().orElseThrow();
        counted.putIfNewer(regained, Versioned.tombstone(new Version(500, 0, "c")));
        assertThat(dropping.dropNotHeld(new StaticPlacement(6, shareOfFour, FOUR))).isEqualTo(1);
        assertThat(scans[0]).isEqualTo(2);
        assertThat(counted.contents()).doesNotContainKey(regained);
    }
}
