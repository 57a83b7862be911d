package dev.quorumkv.membership.ratis;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static dev.quorumkv.membership.ratis.AppendOnlyList.command;
import static dev.quorumkv.membership.ratis.AppendOnlyList.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Members stopped and restarted from their storage: a minority lost, a majority lost, a member catching up. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RaftCommandLogFailureIntegrationTests {

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
    void theGroupCommitsWithOneOfThreeStopped() {
        group.leader().submit(command("before")).join();
        group.stop(group.leader().memberId());

        RaftCommandLog survivor = group.running().iterator().next();
        survivor.submit(command("after")).join();

        group.awaitEveryMemberHolds(List.of("before", "after"));
    }

    @Test
    void withTwoOfThreeStoppedASubmitFailsWithinTheRequestTimeoutAndTheGroupRecoversWhenOneReturns() {
        group.leader().submit(command("before")).join();
        RaftCommandLog alone = group.member("m1");
        group.stop("m2");
        group.stop("m3");

        CompletableFuture<byte[]> submit = alone.submit(command("lost-quorum"));

        // Bounded: the request timeout, one attempt's timeout, and a second of slack (RaftCommandLog.submit).
        Duration bound = RaftTestGroup.REQUEST_TIMEOUT.plusSeconds(3 + 1 + 2);
        await().atMost(bound).until(submit::isDone);
        assertThatThrownBy(submit::join).hasCauseInstanceOf(RaftLogUnavailableException.class)
                .cause().hasMessageContaining("not committed");

        group.start("m2");
        group.leader();
        // The outcome of the failed submit was unknown: it may commit now that there is a quorum again.
        byte[] after = alone.submit(command("quorum-again")).join();
        assertThat(entries(after)).startsWith("before").endsWith("quorum-again");
        group.awaitEveryMemberHolds(entries(after));
    }

    @Test
    void aRestartedMemberCatchesUpOnWhatWasCommittedWhileItWasAway() {
        group.leader().submit(command("a")).join();
        group.awaitEveryMemberHolds(List.of("a"));
        String away = group.follower().memberId();
        group.stop(away);

        RaftCommandLog leader = group.leader();
        leader.submit(command("b")).join();
        leader.submit(command("c")).join();
        RaftCommandLog back = group.start(away);

        group.awaitEveryMemberHolds(List.of("a", "b", "c"));
        assertThat(back.peers()).containsOnlyKeys("m1", "m2", "m3");
    }

    @Test
    void aRestartedMemberStartsFromItsSnapshotAndCatchesUpAfterTheLeadersSnapshot() {
        RaftCommandLog member = group.follower();
        String away = member.memberId();
        member.submit(command("a")).join();
        member.submit(command("b")).join();
        long ownSnapshot = member.takeSnapshot();
        assertThat(ownSnapshot).isGreaterThanOrEqualTo(member.appliedIndex() - 1);
        group.stop(away);

        RaftCommandLog leader = group.leader();
        leader.submit(command("c")).join();
        long leadersSnapshot = leader.takeSnapshot();
        leader.submit(command("d")).join();
        RaftCommandLog back = group.start(away);

        // Loaded from its own storage before it heard from anyone: its snapshot, at least.
        assertThat(back.snapshotIndex()).isGreaterThanOrEqualTo(ownSnapshot);
        assertThat(entries(back.state())).startsWith("a", "b");
        group.awaitEveryMemberHolds(List.of("a", "b", "c", "d"));
        await().atMost(RaftTestGroup.CONVERGENCE)
                .untilAsserted(() -> assertThat(back.appliedIndex()).isGreaterThan(leadersSnapshot));
    }

    @Test
    void theWholeGroupRestartedFromItsStorageKeepsWhatWasCommitted() {
        group.leader().submit(command("a")).join();
        group.leader().takeSnapshot();
        group.leader().submit(command("b")).join();
        group.awaitEveryMemberHolds(List.of("a", "b"));
        List.of("m1", "m2", "m3").forEach(group::stop);

        List.of("m1", "m2", "m3").forEach(group::start);

        group.awaitEveryMemberHolds(List.of("a", "b"));
        group.follower().submit(command("c")).join();
        group.awaitEveryMemberHolds(List.of("a", "b", "c"));
    }
}
