package dev.quorumkv.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionMapTests {

    private static final int KEYS = 100_000;
    private static final int PARTITIONS = 1024;

    @Test
    void preferenceListIsTheFirstNDistinctOwnersOfTheKeysPartitionPrimaryFirstAndStable() {
        PartitionMap map = PartitionMap.striped(members(5), PARTITIONS, 3);

        for (int i = 0; i < 1_000; i++) {
            String key = "key-" + i;
            List<Member> list = map.preferenceList(key, 3);
            assertThat(list).hasSize(3).doesNotHaveDuplicates().isEqualTo(map.owners(map.partitionOf(key)));
            assertThat(PartitionMap.striped(members(5), PARTITIONS, 3).preferenceList(key, 3)).isEqualTo(list);
            assertThat(map.preferenceList(key, 2)).isEqualTo(list.subList(0, 2));
        }
    }

    @Test
    void everyNodeComputesTheSameMapWhateverOrderItsConfigurationListsTheMembersIn() {
        List<Member> shuffled = new ArrayList<>(members(7));
        Collections.shuffle(shuffled, new Random(3));

        PartitionMap fromShuffled = PartitionMap.striped(shuffled, PARTITIONS, 3);
        PartitionMap fromSorted = PartitionMap.striped(members(7), PARTITIONS, 3);

        IntStream.range(0, PARTITIONS).forEach(p -> assertThat(fromShuffled.owners(p)).isEqualTo(fromSorted.owners(p)));
    }

    @Test
    void ownersAreCappedAtTheClusterSize() {
        assertThat(PartitionMap.striped(members(2), PARTITIONS, 3).preferenceList("k", 3)).hasSize(2);
        assertThat(PartitionMap.striped(members(1), PARTITIONS, 3).preferenceList("k", 3)).hasSize(1);
    }

    @Test
    void keysSpreadOverAllPartitionsAndTheTopBitsPickThePartition() {
        PartitionMap map = PartitionMap.striped(members(3), PARTITIONS, 3);
        int[] keysPerPartition = new int[PARTITIONS];
        for (int i = 0; i < KEYS; i++) {
            String key = "user:" + i;
            keysPerPartition[map.partitionOf(key)]++;
            assertThat(map.partitionOf(key)).isEqualTo((int) (KeyHash.of(key) >>> 54));
        }
        assertThat(IntStream.of(keysPerPartition).min().orElseThrow()).isPositive();
        assertThat(PartitionMap.striped(members(3), 1, 3).partitionOf("any")).isZero();
    }

    @Test
    void thePartitionCountMustBeAPowerOfTwo() {
        assertThatThrownBy(() -> PartitionMap.striped(members(3), 1000, 3)).hasMessageContaining("power of two");
    }

    /** Every member owns the same number of partitions at every rank, give or take one, and so its share of keys. */
    @Test
    void ownersSpreadEvenlyOverMembers() {
        for (int memberCount : new int[] {3, 5, 10}) {
            assertEvenlySpread(PartitionMap.striped(members(memberCount), PARTITIONS, 3), memberCount);
        }
    }

    /** Going from M to M+1 members moves about 1/(M+1) of the owner places, only onto the new member, and stays even. */
    @Test
    void addingAMemberMovesOnlyItsShareAndOnlyToIt() {
        for (int memberCount : new int[] {3, 5, 9}) {
            Member added = new Member("node" + (memberCount + 1), null);
            PartitionMap before = PartitionMap.striped(members(memberCount), PARTITIONS, 3);
            PartitionMap after = before.withMemberAdded(added, 3);

            int movedPrimaries = 0;
            for (int i = 0; i < KEYS; i++) {
                Member oldPrimary = before.preferenceList("user:" + i, 1).get(0);
                Member newPrimary = after.preferenceList("user:" + i, 1).get(0);
                if (!oldPrimary.equals(newPrimary)) {
                    movedPrimaries++;
                    assertThat(newPrimary).isEqualTo(added);
                }
            }
            double expected = (double) KEYS / (memberCount + 1);
            assertThat(movedPrimaries / expected).as("%d -> %d members", memberCount, memberCount + 1).isBetween(0.9, 1.1);
            for (int p = 0; p < PARTITIONS; p++) {
                List<Member> old = before.owners(p);
                List<Member> now = after.owners(p);
                assertThat(now).doesNotHaveDuplicates().hasSize(3);
                for (int rank = 0; rank < 3; rank++) {
                    assertThat(now.get(rank)).as("partition %d rank %d", p, rank).isIn(old.get(rank), added);
                }
            }
            assertEvenlySpread(after, memberCount + 1);
        }
    }

    @Test
    void aMemberAddedToAClusterSmallerThanTheReplicaCountBecomesOneMoreOwnerEverywhere() {
        PartitionMap after = PartitionMap.striped(members(2), PARTITIONS, 3).withMemberAdded(new Member("node3", null), 3);

        IntStream.range(0, PARTITIONS).forEach(p -> assertThat(after.owners(p)).hasSize(3).doesNotHaveDuplicates());
    }

    private static void assertEvenlySpread(PartitionMap map, int memberCount) {
        for (int rank = 0; rank < 3; rank++) {
            Map<Member, Integer> places = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                places.merge(map.owners(p).get(rank), 1, Integer::sum);
            }
            assertThat(places).as("%d members, rank %d", memberCount, rank).hasSize(memberCount);
            int fewest = Collections.min(places.values());
            int most = Collections.max(places.values());
            assertThat(most - fewest).as("%d members, rank %d: %s", memberCount, rank, places).isLessThanOrEqualTo(1);
        }
        Map<Member, Integer> primaryKeys = new HashMap<>();
        for (int i = 0; i < KEYS; i++) {
            primaryKeys.merge(map.preferenceList("user:" + i, 1).get(0), 1, Integer::sum);
        }
        double fair = (double) KEYS / memberCount;
        primaryKeys.values().forEach(count -> assertThat(count / fair).as("%d members", memberCount).isBetween(0.95, 1.05));
    }

    private static List<Member> members(int count) {
        return IntStream.rangeClosed(1, count).mapToObj(i -> new Member("node" + i, null)).toList();
    }
}
