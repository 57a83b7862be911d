package dev.quorumkv.membership.ratis;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.quorumkv.membership.AdvancePhase;
import dev.quorumkv.membership.Join;
import dev.quorumkv.membership.Leave;
import dev.quorumkv.membership.MemberChange;
import dev.quorumkv.membership.MemberState;
import dev.quorumkv.membership.Phase;
import dev.quorumkv.membership.Topology;
import dev.quorumkv.membership.TopologyChangeRefusedException;
import dev.quorumkv.membership.TopologyChangeRefusedException.Kind;
import dev.quorumkv.membership.TopologyMember;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static dev.quorumkv.membership.ratis.Topologies.bootstrap;
import static dev.quorumkv.membership.ratis.Topologies.formed;
import static dev.quorumkv.membership.ratis.Topologies.host;
import static dev.quorumkv.membership.ratis.Topologies.join;
import static dev.quorumkv.membership.ratis.Topologies.replace;
import static dev.quorumkv.membership.ratis.Topologies.url;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three real members of the topology log on 127.0.0.1: forming the cluster, changes from any member, refusals,
 * changes racing on a stale view, members stopped and restarted.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RatisTopologyLogIntegrationTests {

    @TempDir
    Path dir;

    private TopologyTestGroup group;

    @BeforeEach
    void startThreeMembers() {
        group = new TopologyTestGroup(dir).start(3);
    }

    @AfterEach
    void closeThem() {
        group.close();
    }

    @Test
    void everyFirstMemberMayBootstrapAtOnceAndOnlyOneBootstrapCommits() {
        group.leader();
        List<CompletableFuture<Topology>> bootstraps = group.running().stream()
                .map(member -> member.bootstrapIfEmpty(bootstrap(3))).toList();

        assertThat(bootstraps).allSatisfy(bootstrap -> assertThat(bootstrap.join()).isEqualTo(formed(3)));
        group.awaitEveryMemberAt(formed(3));
        group.running().forEach(member -> {
            assertThat(member.current().epoch()).isEqualTo(1);
            assertThat(member.current().members()).extracting(TopologyMember::id).containsExactly("m1", "m2", "m3");
            assertThat(member.current().owners()).isEqualTo(formed(3).owners());
        });
        // Later, a member that sees the formed topology does not submit at all; a plain submit is refused by the topology.
        assertThat(group.follower().bootstrapIfEmpty(bootstrap(3))).isCompletedWithValue(formed(3));
        assertThat(failure(group.follower().submit(bootstrap(3)))).isInstanceOfSatisfying(TopologyChangeRefusedException.class,
                refused -> assertThat(refused.kind()).isEqualTo(Kind.CONFLICT));
    }

    @Test
    void aJoinSubmittedOnAFollowerCommitsAndEveryMemberHearsTheSameTopologiesInEpochOrder() {
        Map<String, List<Topology>> heard = new ConcurrentHashMap<>();
        group.running().forEach(member -> {
            List<Topology> topologies = new CopyOnWriteArrayList<>();
            heard.put(member.toString(), topologies);
            member.onCommit(topologies::add);
        });
        List<Topology> committed = new ArrayList<>();
        committed.add(group.leader().bootstrapIfEmpty(bootstrap(3)).join());
        RatisTopologyLog follower = group.follower();

        Topology joining = follower.submit(join(4)).join();

        committed.add(joining);
        assertThat(joining.epoch()).isEqualTo(2);
        assertThat(joining.member("m4").orElseThrow().state()).isEqualTo(MemberState.JOINING);
        assertThat(follower.current()).isEqualTo(joining);
        // Through every phase to the end, each advance from another member once it has the epoch before.
        List<RatisTopologyLog> members = List.copyOf(group.running());
        for (int i = 0; i < 4; i++) {
            RatisTopologyLog submitter = members.get(i % members.size());
            long epoch = committed.get(committed.size() - 1).epoch();
            await().atMost(RaftTestGroup.CONVERGENCE).until(() -> submitter.current().epoch() == epoch);
            committed.add(submitter.submit(new AdvancePhase(epoch)).join());
        }
        Topology done = committed.get(committed.size() - 1);
        assertThat(committed).extracting(Topology::epoch).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(committed.subList(1, 5)).extracting(topology -> topology.change().map(MemberChange::phase).orElseThrow())
                .containsExactly(Phase.WRITE_BOTH, Phase.STREAMING, Phase.READ_NEW, Phase.DROP_OLD);
        assertThat(done.isChanging()).isFalse();
        assertThat(done.member("m4").orElseThrow().state()).isEqualTo(MemberState.NORMAL);
        group.awaitEveryMemberAt(done);
        await().atMost(RaftTestGroup.CONVERGENCE).untilAsserted(() -> assertThat(heard.values())
                .allSatisfy(topologies -> assertThat(topologies).isEqualTo(committed)));
    }

    @Test
    void aChangeTheTopologyRefusesFailsWithItsKindAtOnceAndCommitsNothing() {
        group.leader().bootstrapIfEmpty(bootstrap(3)).join();
        Topology joining = group.leader().submit(join(4)).join();
        group.awaitEveryMemberAt(joining);
        List<Topology> heard = new CopyOnWriteArrayList<>();
        group.running().forEach(member -> member.onCommit(heard::add));
        RatisTopologyLog follower = group.follower();

        CompletableFuture<Topology> whileAJoinRuns = follower.submit(join(5));
        CompletableFuture<Topology> badId = follower.submit(new Join("not an id!", host(6), url(6)));

        // Refused here, on this member's topology, before anything was sent to the log.
        assertThat(whileAJoinRuns).isCompletedExceptionally();
        assertThat(badId).isCompletedExceptionally();
        assertThat(failure(whileAJoinRuns)).isInstanceOfSatisfying(TopologyChangeRefusedException.class,
                refused -> assertThat(refused.kind()).isEqualTo(Kind.CONFLICT));
        assertThat(failure(badId)).isInstanceOfSatisfying(TopologyChangeRefusedException.class,
                refused -> assertThat(refused.kind()).isEqualTo(Kind.BAD_REQUEST));
        // The next change is the next epoch, and the first one anyone hears of.
        Topology advanced = follower.submit(new AdvancePhase(2)).join();
        assertThat(advanced.epoch()).isEqualTo(3);
        group.awaitEveryMemberAt(advanced);
        await().atMost(RaftTestGroup.CONVERGENCE).untilAsserted(() -> assertThat(heard).hasSize(3).containsOnly(advanced));
    }

    @Test
    void twoJoinsSubmittedAtOnceOnTwoMembersCommitOneAndTheOtherIsRefusedAsAConflict() {
        Topology first = group.leader().bootstrapIfEmpty(bootstrap(3)).join();
        group.awaitEveryMemberAt(first);

        // Both computed on epoch 1; one compare-and-set wins, the other is computed again on epoch 2, where a join runs.
        CompletableFuture<Topology> four = group.member("m1").submit(join(4));
        CompletableFuture<Topology> five = group.member("m2").submit(join(5));

        Topology winner = exactlyOneCommits(four, five);
        assertThat(winner.epoch()).isEqualTo(2);
        assertThat(winner.members()).filteredOn(member -> member.state() == MemberState.JOINING).hasSize(1);
        group.awaitEveryMemberAt(winner);
    }

    @Test
    void twoAdvancesForTheSameEpochCommitOnceAndTheStaleOneIsRefused() {
        group.leader().bootstrapIfEmpty(bootstrap(3)).join();
        Topology joining = group.leader().submit(join(4)).join();
        group.awaitEveryMemberAt(joining);

        CompletableFuture<Topology> one = group.member("m1").submit(new AdvancePhase(2));
        CompletableFuture<Topology> other = group.member("m3").submit(new AdvancePhase(2));

        Topology winner = exactlyOneCommits(one, other);
        assertThat(winner.epoch()).isEqualTo(3);
        assertThat(winner.change().orElseThrow().phase()).isEqualTo(Phase.STREAMING);
        group.awaitEveryMemberAt(winner);
    }

    /** The second replacement supersedes the first, so the topology takes both: the loser's retry is computed on the winner's. */
    @Test
    void twoReplacementsOfOneMemberAtOnceCommitOneAfterTheOtherNeverOnAStaleBase() {
        Topology first = group.leader().bootstrapIfEmpty(bootstrap(3)).join();
        group.awaitEveryMemberAt(first);

        CompletableFuture<Topology> one = group.member("m1").submit(replace(3, 1));
        CompletableFuture<Topology> other = group.member("m2").submit(replace(3, 2));

        List<Topology> results = Stream.of(one.join(), other.join()).sorted((a, b) -> Long.compare(a.epoch(), b.epoch())).toList();
        Topology earlier = results.get(0);
        Topology later = results.get(1);
        assertThat(earlier.epoch()).isEqualTo(2);
        assertThat(later.epoch()).isEqualTo(3);
        TopologyMember replacedFirst = earlier.member("m3").orElseThrow();
        assertThat(later.member("m3").orElseThrow().hostId()).isNotEqualTo(replacedFirst.hostId());
        assertThat(later.retiredHostIds()).containsExactlyInAnyOrder(host(3), replacedFirst.hostId());
        group.awaitEveryMemberAt(later);
    }

    @Test
    void withOneOfThreeStoppedChangesCommitAndTheStoppedMemberCatchesUpWhenRestarted() {
        Topology first = group.leader().bootstrapIfEmpty(bootstrap(3)).join();
        group.awaitEveryMemberAt(first);
        String away = group.follower().raftLog().memberId();
        group.stop(away);

        RatisTopologyLog survivor = group.running().iterator().next();
        Topology last = survivor.submit(join(4)).join();
        for (int i = 0; i < 4; i++) {
            last = survivor.submit(new AdvancePhase(last.epoch())).join();
        }
        RatisTopologyLog back = group.start(away);

        group.awaitEveryMemberAt(last);
        assertThat(back.current().member("m4").orElseThrow().state()).isEqualTo(MemberState.NORMAL);
        // And it takes part again: a change submitted on it commits everywhere.
        Topology leaving = back.submit(new Leave("m1")).join();
        group.awaitEveryMemberAt(leaving);
    }

    @Test
    void theWholeGroupRestartedStartsFromTheTopologyItHad() {
        group.leader().bootstrapIfEmpty(bootstrap(3)).join();
        Topology joining = group.leader().submit(join(4)).join();
        group.awaitEveryMemberAt(joining);
        List.of("m1", "m2", "m3").forEach(group::stop);

        List.of("m1", "m2", "m3").forEach(group::start);

        group.awaitEveryMemberAt(joining);
        Topology advanced = group.leader().submit(new AdvancePhase(2)).join();
        assertThat(advanced.epoch()).isEqualTo(3);
        group.awaitEveryMemberAt(advanced);
    }

    /** Without a quorum the outcome is unknown; submitting the same change again once there is one applies it once. */
    @Test
    void withoutAQuorumASubmitFailsAsUnavailableAndSubmittingItAgainLaterAppliesItOnce() {
        Topology first = group.leader().bootstrapIfEmpty(bootstrap(3)).join();
        group.awaitEveryMemberAt(first);
        RatisTopologyLog alone = group.member("m1");
        group.stop("m2");
        group.stop("m3");

        CompletableFuture<Topology> lost = alone.submit(join(4));

        // Bounded: the request timeout, one attempt's timeout, and a second of slack (RaftCommandLog.submit).
        await().atMost(RaftTestGroup.REQUEST_TIMEOUT.plus(Duration.ofSeconds(3 + 1 + 2))).until(lost::isDone);
        assertThat(failure(lost)).isInstanceOf(RaftLogUnavailableException.class);

        group.start("m2");
        group.leader();
        Throwable again = failure(alone.submit(join(4)));
        // Either the lost submit committed after all (the repeat is then refused: m4 is a member) or the repeat did.
        if (again != null) {
            assertThat(again).isInstanceOfSatisfying(TopologyChangeRefusedException.class,
                    refused -> assertThat(refused.kind()).isEqualTo(Kind.BAD_REQUEST));
        }
        Topology joined = join(4).apply(first);
        group.awaitEveryMemberAt(joined);
    }

    /** Exactly one of two futures completes; the other fails with a CONFLICT. Returns the one that completed. */
    private static Topology exactlyOneCommits(CompletableFuture<Topology> one, CompletableFuture<Topology> other) {
        Throwable oneFailed = failure(one);
        Throwable otherFailed = failure(other);
        assertThat(Stream.of(oneFailed, otherFailed).filter(Objects::nonNull).toList()).singleElement()
                .isInstanceOfSatisfying(TopologyChangeRefusedException.class,
                        refused -> assertThat(refused.kind()).isEqualTo(Kind.CONFLICT));
        return oneFailed == null ? one.join() : other.join();
    }

    /** Waits for the future; its failure (unwrapped), or null when it completed. */
    private static Throwable failure(CompletableFuture<?> future) {
        return future.handle((value, failure) -> failure instanceof CompletionException wrapped && wrapped.getCause() != null
                ? wrapped.getCause() : failure).join();
    }
}
