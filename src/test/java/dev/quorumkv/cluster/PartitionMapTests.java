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

    /**
     * Going from M to M-1 members moves only the leaver's places: every member that stays keeps every partition it
     * owned, and each partition the leaver owned gains exactly one owner in its place. Owners may change rank within
     * a partition (which moves no data) to keep every rank even.
     */
    @Test
    void aLeavingMemberMovesOnlyItsOwnPlacesAndTheSpreadStaysEven() {
        for (int memberCount : new int[] {4, 6, 10}) {
            for (Member leaving : List.of(member(1), member(memberCount / 2), member(memberCount))) {
                PartitionMap before = PartitionMap.striped(members(memberCount), PARTITIONS, 3);
                PartitionMap after = before.withMemberRemoved(leaving, 3);

                for (int p = 0; p < PARTITIONS; p++) {
                    List<Member> old = before.owners(p);
                    List<Member> now = after.owners(p);
                    assertThat(now).as("partition %d", p).hasSize(3).doesNotHaveDuplicates().doesNotContain(leaving)
                            .containsAll(old.stream().filter(owner -> !owner.equals(leaving)).toList());
                    if (!old.contains(leaving)) {
                        assertThat(now).as("partition %d", p).containsExactlyInAnyOrderElementsOf(old);
                    }
                }
                assertEvenlySpread(after, memberCount - 1);
            }
        }
    }

    /** 4 -> 3 with N=3: every partition must be owned by all three that stay, so the ranks are striped afresh. */
    @Test
    void whenEveryMemberLeftOwnsEveryPartitionTheRanksStayEvenWithoutMovingDataBetweenThem() {
        PartitionMap after = PartitionMap.striped(members(4), PARTITIONS, 3).withMemberRemoved(member(2), 3);

        IntStream.range(0, PARTITIONS).forEach(p -> assertThat(after.owners(p)).containsExactlyInAnyOrder(member(1), member(3), member(4)));
        assertEvenlySpread(after, 3);
    }

    /** The heir of each place is picked so that, whatever the sizes, every member holds its share at every rank, +-1. */
    @Test
    void theSpreadStaysEvenAtEveryRankForAnyClusterSizeReplicaCountAndLeaver() {
        for (int partitions : new int[] {16, 256}) {
            for (int replicas = 1; replicas <= 4; replicas++) {
                for (int memberCount = 2; memberCount <= 12; memberCount++) {
                    for (int leaver = 1; leaver <= memberCount; leaver++) {
                        PartitionMap after = PartitionMap.striped(members(memberCount), partitions, replicas)
                                .withMemberRemoved(member(leaver), replicas);
                        assertEvenAtEveryRank(after, String.format("%d partitions, N=%d, %d members without node%d",
                                partitions, replicas, memberCount, leaver));
                    }
                }
            }
        }
    }

    /** Growing and shrinking in turn (the life of a real cluster) never lets the spread drift. */
    @Test
    void addingAndRemovingMembersInTurnKeepsTheSpreadEven() {
        PartitionMap map = PartitionMap.striped(members(5), PARTITIONS, 3);
        map = map.withMemberAdded(member(6), 3).withMemberRemoved(member(6), 3);
        assertEvenlySpread(map, 5);
        map = map.withMemberRemoved(member(2), 3).withMemberAdded(member(2), 3);
        assertEvenlySpread(map, 5);

        int next = 7;
        Random random = new Random(11);
        List<Member> current = new ArrayList<>(map.members());
        for (int step = 0; step < 20; step++) {
            if (current.size() > 4 && random.nextBoolean()) {
                Member leaving = current.remove(random.nextInt(current.size()));
                map = map.withMemberRemoved(leaving, 3);
            }
            else {
                Member added = member(next++);
                current.add(added);
                map = map.withMemberAdded(added, 3);
            }
            assertThat(map.members()).containsExactlyInAnyOrderElementsOf(current);
            assertEvenAtEveryRank(map, "step " + step + " with " + current);
        }
    }

    @Test
    void theLastMemberCannotLeaveAndANonMemberHasNothingToMove() {
        assertThatThrownBy(() -> PartitionMap.striped(members(1), PARTITIONS, 3).withMemberRemoved(member(1), 3))
                .hasMessageContaining("last member");
        assertThatThrownBy(() -> PartitionMap.striped(members(3), PARTITIONS, 3).withMemberRemoved(member(9), 3))
                .hasMessageContaining("owns no partition");
    }

    /** How the topology log stores a map: its owners, partition by partition, and back to an equal map. */
    @Test
    void aMapRebuiltFromItsOwnersIsEqualAndPlacesKeysTheSameWay() {
        PartitionMap map = PartitionMap.striped(members(5), PARTITIONS, 3).withMemberRemoved(member(3), 3);

        PartitionMap rebuilt = PartitionMap.ofOwners(map.allOwners());

        assertThat(rebuilt).isEqualTo(map).hasSameHashCodeAs(map);
        assertThat(rebuilt.preferenceList("some key", 3)).isEqualTo(map.preferenceList("some key", 3));
        assertThat(rebuilt).isNotEqualTo(PartitionMap.striped(members(5), PARTITIONS, 3));
    }

    @Test
    void ownersThatDoNotFormAMapAreRefused() {
        assertThatThrownBy(() -> PartitionMap.ofOwners(List.of(List.of(member(1)), List.of(member(2)), List.of(member(3)))))
                .hasMessageContaining("power of two");
        assertThatThrownBy(() -> PartitionMap.ofOwners(List.of(List.of(member(1), member(1)), List.of(member(1), member(2)))))
                .hasMessageContaining("distinct owners");
        assertThatThrownBy(() -> PartitionMap.ofOwners(List.of(List.of(member(1), member(2)), List.of(member(1)))))
                .hasMessageContaining("distinct owners");
    }

    @Test
    void aReplacementHostTakesExactlyThePlacesOfTheMemberItReplaces() {
        PartitionMap map = PartitionMap.striped(members(4), PARTITIONS, 3);
        Member moved = new Member("node2", java.net.URI.create("http://10.0.0.2:8080"));

        PartitionMap replaced = map.withMemberReplaced(member(2), moved);

        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(replaced.owners(p)).isEqualTo(map.owners(p).stream().map(owner -> owner.equals(member(2)) ? moved : owner).toList());
        }
    }

    private static void assertEvenAtEveryRank(PartitionMap map, String description) {
        int memberCount = map.members().size();
        for (int rank = 0; rank < map.owners(0).size(); rank++) {
            Map<Member, Integer> places = new HashMap<>();
            map.members().forEach(member -> places.put(member, 0));
            for (int p = 0; p < map.partitions(); p++) {
                assertThat(map.owners(p)).as(description).doesNotHaveDuplicates();
                places.merge(map.owners(p).get(rank), 1, Integer::sum);
            }
            int fewest = Collections.min(places.values());
            int most = Collections.max(places.values());
            assertThat(most - fewest).as("%s (%d members), rank %d: %s", description, memberCount, rank, places).isLessThanOrEqualTo(1);
        }
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
        return IntStream.rangeClosed(1, count).mapToObj(PartitionMapTests::member).toList();
    }

    private static Member member(int number) {
        return new Member("node" + number, null);
    }
}
