package dev.quorumkv.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RingTests {

    private static final int KEYS = 100_000;
    private static final int VIRTUAL_NODES = 256;

    @Test
    void preferenceListIsTheFirstNDistinctMembersPrimaryFirstAndStable() {
        Ring ring = new Ring(members(5), VIRTUAL_NODES);

        for (int i = 0; i < 1_000; i++) {
            List<Member> list = ring.preferenceList("key-" + i, 3);
            assertThat(list).hasSize(3).doesNotHaveDuplicates();
            assertThat(new Ring(members(5), VIRTUAL_NODES).preferenceList("key-" + i, 3)).isEqualTo(list);
        }
    }

    @Test
    void preferenceListIsCappedAtTheClusterSize() {
        assertThat(new Ring(members(2), VIRTUAL_NODES).preferenceList("k", 3)).hasSize(2);
        assertThat(new Ring(members(1), VIRTUAL_NODES).preferenceList("k", 3)).hasSize(1);
    }

    /**
     * With 256 virtual nodes each (the default), every member is primary for its fair share of keys within
     * 10% (measured for these members and keys: at most 8.2%), and holds its share of replicas within 10%.
     */
    @Test
    void keysSpreadEvenlyAcrossMembers() {
        for (int memberCount : new int[] {3, 5, 10}) {
            Ring ring = new Ring(members(memberCount), VIRTUAL_NODES);
            Map<Member, Integer> primaries = new HashMap<>();
            Map<Member, Integer> replicas = new HashMap<>();
            for (int i = 0; i < KEYS; i++) {
                List<Member> list = ring.preferenceList("user:" + i, 3);
                primaries.merge(list.get(0), 1, Integer::sum);
                list.forEach(member -> replicas.merge(member, 1, Integer::sum));
            }
            double fairPrimary = (double) KEYS / memberCount;
            double fairReplica = (double) KEYS * Math.min(3, memberCount) / memberCount;
            assertThat(primaries).hasSize(memberCount);
            primaries.values().forEach(count -> assertThat(count / fairPrimary).as("%d members", memberCount).isBetween(0.9, 1.1));
            replicas.values().forEach(count -> assertThat(count / fairReplica).as("%d members", memberCount).isBetween(0.9, 1.1));
        }
    }

    /** Going from M to M+1 members moves about 1/(M+1) of the keys, and only onto the new member. */
    @Test
    void addingAMemberMovesOnlyItsShareOfKeysAndOnlyToIt() {
        for (int memberCount : new int[] {3, 5, 9}) {
            List<Member> before = members(memberCount);
            List<Member> after = new ArrayList<>(before);
            Member added = new Member("node" + (memberCount + 1), null);
            after.add(added);
            Ring oldRing = new Ring(before, VIRTUAL_NODES);
            Ring newRing = new Ring(after, VIRTUAL_NODES);

            int moved = 0;
            for (int i = 0; i < KEYS; i++) {
                Member oldPrimary = oldRing.preferenceList("user:" + i, 1).get(0);
                Member newPrimary = newRing.preferenceList("user:" + i, 1).get(0);
                if (!oldPrimary.equals(newPrimary)) {
                    moved++;
                    assertThat(newPrimary).isEqualTo(added);
                }
            }
            double expected = (double) KEYS / (memberCount + 1);
            assertThat(moved / expected).as("%d -> %d members", memberCount, memberCount + 1).isBetween(0.75, 1.25);
        }
    }

    private static List<Member> members(int count) {
        return IntStream.rangeClosed(1, count).mapToObj(i -> new Member("node" + i, null)).toList();
    }
}
