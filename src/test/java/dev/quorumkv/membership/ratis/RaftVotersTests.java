package dev.quorumkv.membership.ratis;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.quorumkv.membership.MemberState;
import dev.quorumkv.membership.TopologyMember;

import static org.assertj.core.api.Assertions.assertThat;

/** The one change {@link RaftVoters} makes to the Raft group next, from the topology and the group as it is. */
class RaftVotersTests {

    private static TopologyMember member(int number, MemberState state) {
        return new TopologyMember("m" + number, Topologies.host(number), Topologies.url(number), state);
    }

    private static List<TopologyMember> normal(int count) {
        List<TopologyMember> members = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            members.add(member(i, MemberState.NORMAL));
        }
        return members;
    }

    private static Set<String> ids(int from, int to) {
        Set<String> ids = new java.util.LinkedHashSet<>();
        for (int i = from; i <= to; i++) {
            ids.add("m" + i);
        }
        return ids;
    }

    @Test
    void aJoinerIsAddedAsAVoterWhileFewerThanFiveVote() {
        assertThat(RaftVoters.next(normal(4), ids(1, 3), Set.of()))
                .hasValueSatisfying(change -> assertThat(change).isInstanceOf(RaftVoters.AddVoter.class)
                        .extracting(RaftVoters.Change::id).isEqualTo("m4"));
    }

    @Test
    void aSixthAndSeventhMemberAreAddedAsListeners() {
        assertThat(RaftVoters.next(normal(7), ids(1, 5), Set.of()))
                .containsInstanceOf(RaftVoters.AddListener.class).map(RaftVoters.Change::id).hasValue("m6");
        assertThat(RaftVoters.next(normal(7), ids(1, 5), Set.of("m6")))
                .containsInstanceOf(RaftVoters.AddListener.class).map(RaftVoters.Change::id).hasValue("m7");
        assertThat(RaftVoters.next(normal(7), ids(1, 5), Set.of("m6", "m7"))).isEmpty();
    }

    @Test
    void aMemberThatHasNotClaimedItsPlaceIsNotAdded() {
        List<TopologyMember> members = normal(5);
        members.add(new TopologyMember("m6", null, Topologies.url(6), MemberState.JOINING));
        assertThat(RaftVoters.next(members, ids(1, 5), Set.of())).isEmpty();
    }

    @Test
    void aVoterThatLeftIsRemovedThenAListenerIsPromoted() {
        List<TopologyMember> members = normal(6);
        members.set(1, member(2, MemberState.LEFT));
        assertThat(RaftVoters.next(members, ids(1, 5), Set.of("m6")))
                .containsInstanceOf(RaftVoters.Remove.class).map(RaftVoters.Change::id).hasValue("m2");

        Set<String> fourVoters = Set.of("m1", "m3", "m4", "m5");
        assertThat(RaftVoters.next(members, fourVoters, Set.of("m6")))
                .as("promoted before anyone new is added")
                .containsInstanceOf(RaftVoters.Promote.class).map(RaftVoters.Change::id).hasValue("m6");
    }

    @Test
    void aListenerIsPromotedBeforeAMemberTheGroupLacksIsAdded() {
        assertThat(RaftVoters.next(normal(7), ids(1, 4), Set.of("m6")))
                .containsInstanceOf(RaftVoters.Promote.class).map(RaftVoters.Change::id).hasValue("m6");
    }

    @Test
    void aListenerThatLeftIsRemovedAndNeverPromoted() {
        List<TopologyMember> members = normal(6);
        members.set(5, member(6, MemberState.LEFT));
        assertThat(RaftVoters.next(members, ids(1, 5), Set.of("m6")))
                .containsInstanceOf(RaftVoters.Remove.class).map(RaftVoters.Change::id).hasValue("m6");
        assertThat(RaftVoters.next(members, ids(1, 4), Set.of("m6")))
                .containsInstanceOf(RaftVoters.Remove.class).map(RaftVoters.Change::id).hasValue("m6");
        assertThat(RaftVoters.next(members, ids(1, 5), Set.of())).isEmpty();
    }

    @Test
    void theLastVoterIsNeverRemoved() {
        List<TopologyMember> members = List.of(member(1, MemberState.LEFT));
        assertThat(RaftVoters.next(members, Set.of("m1"), Set.of())).isEmpty();
    }
}
