package dev.quorumkv.membership.ratis;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.quorumkv.membership.Topology;

import static dev.quorumkv.membership.ratis.AppendOnlyList.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Listeners: members of the Raft group that take and apply the log without voting, so a cluster can have more members
 * than voters. A listener added while it runs is started again from its storage, as {@link RaftVoters} has every
 * member do ({@link RaftCommandLog#outOfRole}): only then does Ratis run it in the listener's role.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RaftListenersIntegrationTests {

    @TempDir
    Path dir;

    private RaftTestGroup group;
    private TopologyTestGroup topologies;

    @AfterEach
    void closeTheGroups() {
        if (group != null) {
            group.close();
        }
        if (topologies != null) {
            topologies.close();
        }
    }

    /** Adds {@code id} as a listener from the leader, then starts it again in the role its storage now gives it. */
    private RaftCommandLog addListener(String id) {
        group.startJoining(id);
        group.leader().addListener(id, group.address(id));
        await().atMost(RaftTestGroup.CONVERGENCE).until(() -> group.member(id).outOfRole());
        group.stop(id);
        RaftCommandLog listener = group.start(id);
        assertThat(listener.outOfRole()).isFalse();
        return listener;
    }

    @Test
    void aSixthMemberListensAndAppliesTheSameCommitsInTheSameOrder() {
        group = new RaftTestGroup(dir.resolve("raft")).bootstrap(5);
        group.leader().submit(command("a")).join();
        RaftCommandLog sixth = addListener("m6");

        group.leader().submit(command("b")).join();
        sixth.submit(command("c")).join(); // through the leader, like any member's
        group.follower().submit(command("d")).join();

        group.awaitEveryMemberHolds(List.of("a", "b", "c", "d"));
        await().atMost(RaftTestGroup.CONVERGENCE).untilAsserted(() -> group.running().forEach(member -> {
            assertThat(member.peers()).as("voters").containsOnlyKeys("m1", "m2", "m3", "m4", "m5");
            assertThat(member.listeners()).as("listeners").containsOnlyKeys("m6");
        }));
        assertThatThrownBy(() -> group.leader().addPeer("m7", "127.0.0.1:1")).hasMessageContaining("5 members voting");
    }

    @Test
    void listenersDoNotCountForTheMajority() {
        // Three voters and two listeners: counted as voters, the leader and the listeners would be three of five.
        group = new RaftTestGroup(dir.resolve("raft")).bootstrap(3);
        group.leader().submit(command("a")).join();
        addListener("m4");
        addListener("m5");
        group.awaitEveryMemberHolds(List.of("a"));

        RaftCommandLog leader = group.leader();
        group.running().stream().filter(m -> m != leader && m.peers().containsKey(m.memberId()))
                .map(RaftCommandLog::memberId).toList().forEach(group::stop);

        assertThatThrownBy(() -> leader.submit(command("lost")).join())
                .hasCauseInstanceOf(RaftLogUnavailableException.class);
        List.of(leader, group.member("m4"), group.member("m5")).forEach(member ->
                assertThat(AppendOnlyList.entries(member.state())).as("the state of %s", member.memberId())
                        .containsExactly("a"));
    }

    @Test
    void aListenerPromotedWhenAVoterIsRemovedThenCountsAndVotes() {
        group = new RaftTestGroup(dir.resolve("raft")).bootstrap(3);
        group.leader().submit(command("a")).join();
        addListener("m4");

        String removed = group.follower().memberId();
        group.leader().removePeer(removed);
        group.stop(removed);
        group.leader().promote("m4");
        await().atMost(RaftTestGroup.CONVERGENCE).untilAsserted(() -> group.running().forEach(member -> {
            assertThat(member.peers()).as("voters").hasSize(3).containsKey("m4");
            assertThat(member.listeners()).as("listeners").isEmpty();
        }));
        // It was started as a listener: Ratis runs it as one until it starts again.
        await().atMost(RaftTestGroup.CONVERGENCE).until(() -> group.member("m4").outOfRole());
        group.stop("m4");
        group.start("m4");

        // Of the three voters only m4 and one other are left: no leader, no commit without m4's vote and append.
        String oldLeader = group.leader().memberId();
        group.stop(oldLeader);
        RaftCommandLog newLeader = group.leader();
        assertThat(newLeader.memberId()).isNotEqualTo(oldLeader);
        newLeader.submit(command("b")).join();
        group.awaitEveryMemberHolds(List.of("a", "b"));
    }

    @Test
    void aListenerRemovedNoLongerFollowsTheLog() {
        group = new RaftTestGroup(dir.resolve("raft")).bootstrap(3);
        group.leader().submit(command("a")).join();
        RaftCommandLog listener = addListener("m4");
        group.awaitEveryMemberHolds(List.of("a"));

        group.leader().removePeer("m4");
        await().atMost(RaftTestGroup.CONVERGENCE).untilAsserted(() -> group.running().stream()
                .filter(member -> member != listener)
                .forEach(member -> assertThat(member.listeners()).as("the listeners of %s", member.memberId()).isEmpty()));
        group.leader().submit(command("b")).join();
        group.stop("m4");

        group.awaitEveryMemberHolds(List.of("a", "b"));
        assertThat(group.leader().peers()).containsOnlyKeys("m1", "m2", "m3");
    }

    @Test
    void aTopologyMemberAddedAsAListenerStartsItsLogAgainAndGoesOnFollowingTheTopology() {
        topologies = new TopologyTestGroup(dir.resolve("topology")).start(3);
        Topology formed = topologies.leader().bootstrapIfEmpty(Topologies.bootstrap(3)).join();
        RatisTopologyLog joiner = topologies.startJoining("m4");
        topologies.leader().raftLog().addListener("m4", topologies.address("m4"));
        topologies.awaitEveryMemberAt(formed);

        await().atMost(RaftTestGroup.CONVERGENCE).until(() -> joiner.raftLog().outOfRole());
        RaftCommandLog before = joiner.raftLog();
        joiner.restartIfOutOfRole();
        RaftCommandLog restarted = joiner.raftLog();
        assertThat(restarted).isNotSameAs(before);
        assertThat(restarted.outOfRole()).isFalse();
        assertThat(joiner.current()).isEqualTo(formed);

        Topology joined = topologies.leader().submit(Topologies.join(5)).join();
        topologies.awaitEveryMemberAt(joined);
        joiner.restartIfOutOfRole();
        assertThat(joiner.raftLog()).as("in its role, it is not started again").isSameAs(restarted);
    }
}
