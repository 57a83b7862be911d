package dev.quorumkv.membership.ratis;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static dev.quorumkv.membership.ratis.AppendOnlyList.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Members added and removed by Raft configuration change, one at a time, up to five. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RaftCommandLogMembershipIntegrationTests {

    @TempDir
    Path dir;

    private RaftTestGroup group;

    @BeforeEach
    void formAGroupOfThree() {
        group = new RaftTestGroup(dir).bootstrap(3);
    }

    @AfterEach
    void closeTheGroup() {
        group.close();
    }

    @Test
    void aFourthAndFifthMemberAddedByConfigurationChangeCatchUpFromTheLeadersSnapshot() {
        RaftCommandLog leader = group.leader();
        leader.submit(command("a")).join();
        leader.submit(command("b")).join();
        long snapshot = leader.takeSnapshot();
        leader.submit(command("c")).join();

        RaftCommandLog fourth = group.startJoining("m4");
        assertThat(fourth.peers()).isEmpty();
        assertThatThrownBy(() -> fourth.submit(command("too-early")).join())
                .hasCauseInstanceOf(RaftLogUnavailableException.class);
        group.follower().addPeer("m4", group.address("m4"));

        group.awaitEveryMemberHolds(List.of("a", "b", "c"));
        // It never took a snapshot: it installed the leader's, then took the log after it.
        assertThat(fourth.snapshotIndex()).isEqualTo(snapshot);

        RaftCommandLog fifth = group.startJoining("m5");
        group.leader().addPeer("m5", group.address("m5"));
        fifth.submit(command("d")).join();

        group.awaitEveryMemberHolds(List.of("a", "b", "c", "d"));
        await().atMost(RaftTestGroup.CONVERGENCE).untilAsserted(() -> group.running()
                .forEach(member -> assertThat(member.peers()).containsOnlyKeys("m1", "m2", "m3", "m4", "m5")));

        group.startJoining("m6");
        assertThatThrownBy(() -> group.leader().addPeer("m6", group.address("m6")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("5 members");
    }

    @Test
    void removingAMemberTheGroupGoesOn() {
        group.leader().submit(command("a")).join();
        RaftCommandLog fourth = group.startJoining("m4");
        group.leader().addPeer("m4", group.address("m4"));
        group.awaitEveryMemberHolds(List.of("a"));

        String removed = group.follower().memberId();
        group.leader().removePeer(removed);
        group.stop(removed);

        fourth.submit(command("b")).join();
        group.awaitEveryMemberHolds(List.of("a", "b"));
        await().atMost(RaftTestGroup.CONVERGENCE).untilAsserted(() -> group.running()
                .forEach(member -> assertThat(member.peers()).hasSize(3).doesNotContainKey(removed)));
    }

    @Test
    void removingTheLeaderAnotherIsElectedAndTheGroupGoesOn() {
        group.leader().submit(command("a")).join();
        RaftCommandLog leader = group.leader();
        String removed = leader.memberId();

        leader.removePeer(removed);
        group.stop(removed);

        RaftCommandLog newLeader = group.leader();
        assertThat(newLeader.memberId()).isNotEqualTo(removed);
        group.follower().submit(command("b")).join();
        group.awaitEveryMemberHolds(List.of("a", "b"));
    }
}
