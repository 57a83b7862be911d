package dev.quorumkv.membership;

import java.net.URI;
import java.util.List;
import java.util.UUID;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;
import org.junit.jupiter.api.Test;

import static dev.quorumkv.membership.TopologyFixture.N;
import static dev.quorumkv.membership.TopologyFixture.PARTITIONS;
import static dev.quorumkv.membership.TopologyFixture.advance;
import static dev.quorumkv.membership.TopologyFixture.apply;
import static dev.quorumkv.membership.TopologyFixture.finish;
import static dev.quorumkv.membership.TopologyFixture.formed;
import static dev.quorumkv.membership.TopologyFixture.host;
import static dev.quorumkv.membership.TopologyFixture.join;
import static dev.quorumkv.membership.TopologyFixture.url;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopologyChangeTests {

    @Test
    void theFirstTopologyIsEpochOneWithEveryMemberNormalAndTheMapStriped() {
        Topology first = formed(4);

        assertThat(first.epoch()).isEqualTo(1);
        assertThat(first.partitions()).isEqualTo(PARTITIONS);
        assertThat(first.replicas()).isEqualTo(N);
        assertThat(first.members()).extracting(TopologyMember::state).containsOnly(MemberState.NORMAL).hasSize(4);
        assertThat(first.owners()).isEqualTo(PartitionMap.striped(first.members().stream().map(TopologyMember::member).toList(), PARTITIONS, N));
        assertThat(first.isChanging()).isFalse();
        assertThat(first.moves()).isEmpty();
    }

    @Test
    void bootstrapAppliesOnlyToAnEmptyLogAndNothingElseDoes() {
        assertThatThrownBy(() -> TopologyFixture.bootstrap(3).apply(formed(3)))
                .isInstanceOfSatisfying(TopologyChangeRefusedException.class, refused -> assertThat(refused.kind())
                        .isEqualTo(TopologyChangeRefusedException.Kind.CONFLICT))
                .hasMessageContaining("formed already");
        assertRefused(() -> join(4).apply(Topology.empty()), TopologyChangeRefusedException.Kind.CONFLICT, "not been formed");
        assertRefused(() -> new Bootstrap(List.of(TopologyFixture.founder(1)), 1000, N).apply(Topology.empty()),
                TopologyChangeRefusedException.Kind.BAD_REQUEST, "power of two");
    }

    /** The first topology comes from ids and urls alone; each first member claims its place with its host id when it starts. */
    @Test
    void firstMembersClaimTheirPlacesWithTheirHostIdsOneEpochEach() {
        Topology unclaimed = TopologyFixture.formedUnclaimed(3);
        assertThat(unclaimed.members()).noneMatch(TopologyMember::claimed);

        Topology claimed = apply(unclaimed, new Claim("node1", host(1)), new Claim("node2", host(2)));

        assertThat(claimed.epoch()).isEqualTo(3);
        assertThat(claimed.member("node1")).hasValueSatisfying(member -> assertThat(member.hostId()).isEqualTo(host(1)));
        assertThat(claimed.member("node3")).hasValueSatisfying(member -> assertThat(member.claimed()).isFalse());
        assertThat(claimed.owners()).isEqualTo(unclaimed.owners());
        assertThat(TopologyCodec.decodeTopology(TopologyCodec.encode(claimed))).isEqualTo(claimed);
    }

    /** Another host claiming a claimed place has a new data directory: it must come back as a replacement, not take the place. */
    @Test
    void aPlaceIsClaimedOnceAndAnotherHostIsToldToComeBackAsAReplacement() {
        Topology claimed = new Claim("node1", host(1)).apply(TopologyFixture.formedUnclaimed(3));

        assertRefused(() -> new Claim("node1", host(1)).apply(claimed), TopologyChangeRefusedException.Kind.CONFLICT, "claimed by host");
        assertRefused(() -> new Claim("node1", host(9)).apply(claimed), TopologyChangeRefusedException.Kind.BAD_REQUEST, "replacement");
        assertRefused(() -> new Claim("node2", host(1)).apply(claimed), TopologyChangeRefusedException.Kind.BAD_REQUEST, "already belongs");
        assertRefused(() -> new Claim("node7", host(7)).apply(claimed), TopologyChangeRefusedException.Kind.BAD_REQUEST, "not a member");
        assertRefused(() -> new Replace("node2", host(9), url(2)).apply(claimed), TopologyChangeRefusedException.Kind.BAD_REQUEST,
                "has not started yet");
        assertThat(new Replace("node1", host(9), url(1)).apply(claimed).member("node1"))
                .hasValueSatisfying(member -> assertThat(member.hostId()).isEqualTo(host(9)));
    }

    /** A first member that never started can still be decommissioned: it has no host id to retire. */
    @Test
    void anUnclaimedMemberCanLeaveAndAClaimMayComeWhileAChangeRuns() {
        Topology leaving = new Leave("node4").apply(new Claim("node1", host(1)).apply(TopologyFixture.formedUnclaimed(4)));
        Topology claimedMeanwhile = new Claim("node2", host(2)).apply(leaving);
        assertThat(claimedMeanwhile.change()).isEqualTo(leaving.change());

        Topology done = finish(claimedMeanwhile);

        assertThat(done.member("node4")).hasValueSatisfying(member -> assertThat(member.state()).isEqualTo(MemberState.LEFT));
        assertThat(done.retiredHostIds()).isEmpty();
    }

    /** Join: JOINING through the four phases, one epoch each, then NORMAL with the new map as the owners. */
    @Test
    void aJoinerGoesThroughEveryPhaseAnEpochEachAndEndsNormalOwningItsShare() {
        Topology before = formed(4);
        Topology joining = join(5).apply(before);

        assertThat(joining.epoch()).isEqualTo(2);
        assertThat(joining.member("node5")).hasValueSatisfying(member -> assertThat(member.state()).isEqualTo(MemberState.JOINING));
        assertThat(joining.owners()).isEqualTo(before.owners());
        assertThat(joining.change()).hasValueSatisfying(change -> {
            assertThat(change.phase()).isEqualTo(Phase.WRITE_BOTH);
            assertThat(change.pending()).isEqualTo(before.owners().withMemberAdded(new Member("node5", url(5)), N));
        });
        assertThat(joining.moves()).isNotEmpty().allSatisfy(move -> {
            assertThat(move.to()).isEqualTo("node5");
            assertThat(move.from()).isIn("node1", "node2", "node3", "node4");
            assertThat(move.phase()).isEqualTo(Phase.WRITE_BOTH);
        });

        Topology topology = joining;
        for (Phase phase : List.of(Phase.STREAMING, Phase.READ_NEW, Phase.DROP_OLD)) {
            topology = advance(topology);
            assertThat(topology.change().orElseThrow().phase()).isEqualTo(phase);
            assertThat(topology.moves()).extracting(Move::phase).containsOnly(phase);
        }
        Topology done = advance(topology);

        assertThat(done.epoch()).isEqualTo(6);
        assertThat(done.isChanging()).isFalse();
        assertThat(done.moves()).isEmpty();
        assertThat(done.member("node5").orElseThrow().state()).isEqualTo(MemberState.NORMAL);
        assertThat(done.owners()).isEqualTo(joining.change().orElseThrow().pending());
    }

    @Test
    void aLeaverIsLeavingThroughThePhasesThenLeftWithItsHostIdRetiredAndItsPlacesMoved() {
        Topology before = formed(5);
        Topology leaving = new Leave("node2").apply(before);

        assertThat(leaving.epoch()).isEqualTo(2);
        assertThat(leaving.member("node2").orElseThrow().state()).isEqualTo(MemberState.LEAVING);
        assertThat(leaving.moves()).isNotEmpty().allSatisfy(move -> assertThat(move.from()).isEqualTo("node2"));
        assertThat(leaving.moves()).hasSize((int) before.owners().allOwners().stream()
                .filter(owners -> owners.contains(new Member("node2", url(2)))).count());

        Topology done = finish(leaving);

        assertThat(done.epoch()).isEqualTo(6);
        assertThat(done.member("node2").orElseThrow().state()).isEqualTo(MemberState.LEFT);
        assertThat(done.retiredHostIds()).containsExactly(host(2));
        assertThat(done.owners().members()).extracting(Member::id).containsExactlyInAnyOrder("node1", "node3", "node4", "node5");
    }

    /** A lost disk: the same id on a new host, JOINING until streamed, owning the same places; the old host id is gone for good. */
    @Test
    void aMemberWithANewHostIdIsReplacedInPlaceAndItsOldHostIdCanNeverComeBack() {
        Topology before = formed(4);
        UUID newHost = UUID.randomUUID();
        URI newUrl = URI.create("http://10.0.1.2:8080");

        Topology replacing = new Replace("node2", newHost, newUrl).apply(before);

        assertThat(replacing.epoch()).isEqualTo(2);
        assertThat(replacing.member("node2")).contains(new TopologyMember("node2", newHost, newUrl, MemberState.JOINING));
        assertThat(replacing.retiredHostIds()).containsExactly(host(2));
        assertThat(replacing.owners()).isEqualTo(before.owners().withMemberReplaced(new Member("node2", url(2)), new Member("node2", newUrl)));
        assertThat(replacing.moves()).isNotEmpty().allSatisfy(move -> assertThat(move).extracting(Move::from, Move::to)
                .containsExactly("node2", "node2"));

        Topology done = finish(replacing);

        assertThat(done.member("node2").orElseThrow().state()).isEqualTo(MemberState.NORMAL);
        assertThat(done.owners()).isEqualTo(replacing.owners());
        assertRefused(() -> new Replace("node2", host(2), url(2)).apply(done), TopologyChangeRefusedException.Kind.BAD_REQUEST,
                "can never come back");
        assertRefused(() -> new Join("node9", host(2), url(9)).apply(done), TopologyChangeRefusedException.Kind.BAD_REQUEST,
                "can never come back");
    }

    @Test
    void aLeftHostIdIsRefusedButItsIdMayJoinAgainWithANewHost() {
        Topology left = finish(new Leave("node4").apply(formed(4)));

        assertRefused(() -> join(4).apply(left), TopologyChangeRefusedException.Kind.BAD_REQUEST, "has LEFT");

        Topology rejoining = new Join("node4", UUID.randomUUID(), url(4)).apply(left);
        assertThat(rejoining.member("node4").orElseThrow().state()).isEqualTo(MemberState.JOINING);
        assertThat(rejoining.retiredHostIds()).containsExactly(host(4));
    }

    @Test
    void aSecondChangeIsRefusedAsAConflictWhileOneRuns() {
        Topology joining = join(5).apply(formed(4));

        for (TopologyChange second : List.of(join(6), new Leave("node1"), new Replace("node1", UUID.randomUUID(), url(1)))) {
            for (Topology running = joining; running.isChanging(); running = advance(running)) {
                Topology during = running;
                assertRefused(() -> second.apply(during), TopologyChangeRefusedException.Kind.CONFLICT, "another change is in progress");
            }
        }
        assertThat(join(6).apply(finish(joining)).member("node6")).isPresent();
    }

    @Test
    void anAdvanceOrAbortWithAStaleEpochIsRefusedAsAConflictAndChangesNothing() {
        Topology joining = join(5).apply(formed(4));
        Topology streaming = advance(joining);

        assertRefused(() -> new AdvancePhase(joining.epoch()).apply(streaming), TopologyChangeRefusedException.Kind.CONFLICT,
                "not " + joining.epoch());
        assertRefused(() -> new Abort(joining.epoch()).apply(streaming), TopologyChangeRefusedException.Kind.CONFLICT, "epoch");
        assertRefused(() -> new AdvancePhase(1).apply(formed(4)), TopologyChangeRefusedException.Kind.CONFLICT, "no change");
    }

    /** Until reads use the new owners, an abort puts back exactly the topology before the change, an epoch later. */
    @Test
    void anAbortBeforeReadNewRestoresTheOldMapAndMembersExactly() {
        Topology before = formed(4);
        for (TopologyChange change : List.of(join(5), new Leave("node3"))) {
            Topology running = change.apply(before);
            for (int advances = 0; advances < 2; advances++) {
                Topology aborted = new Abort(running.epoch()).apply(running);

                assertThat(aborted.epoch()).isEqualTo(running.epoch() + 1);
                assertThat(aborted.isChanging()).isFalse();
                assertThat(aborted.owners()).isEqualTo(before.owners());
                assertThat(aborted.members()).isEqualTo(before.members());
                assertThat(aborted.retiredHostIds()).isEqualTo(before.retiredHostIds());
                running = advance(running);
            }
            Topology readingNew = running;
            assertThat(readingNew.change().orElseThrow().phase()).isEqualTo(Phase.READ_NEW);
            assertRefused(() -> new Abort(readingNew.epoch()).apply(readingNew), TopologyChangeRefusedException.Kind.CONFLICT,
                    "only go forward");
        }
    }

    @Test
    void aReplacementCannotBeAbortedBecauseTheHostItReplacesHasLostItsData() {
        Topology replacing = new Replace("node1", UUID.randomUUID(), url(1)).apply(formed(4));

        assertRefused(() -> new Abort(replacing.epoch()).apply(replacing), TopologyChangeRefusedException.Kind.CONFLICT, "let it finish");
    }

    /** Its new host failed too: another host replaces the member again, from WRITE_BOTH, until reads have moved to it. */
    @Test
    void aStuckReplacementIsReplacedAgainByAnotherHostUntilItServesReads() {
        UUID firstHost = UUID.randomUUID();
        UUID secondHost = UUID.randomUUID();
        Topology streaming = advance(new Replace("node1", firstHost, url(1)).apply(formed(4)));

        Topology again = new Replace("node1", secondHost, url(21)).apply(streaming);

        assertThat(again.epoch()).isEqualTo(streaming.epoch() + 1);
        assertThat(again.change().orElseThrow().phase()).isEqualTo(Phase.WRITE_BOTH);
        assertThat(again.member("node1")).contains(new TopologyMember("node1", secondHost, url(21), MemberState.JOINING));
        assertThat(again.retiredHostIds()).containsExactlyInAnyOrder(host(1), firstHost);
        assertThat(again.owners().members()).contains(new Member("node1", url(21))).doesNotContain(new Member("node1", url(1)));
        assertThat(finish(again).member("node1").orElseThrow().state()).isEqualTo(MemberState.NORMAL);

        Topology readingNew = advance(advance(again));
        assertRefused(() -> new Replace("node1", UUID.randomUUID(), url(1)).apply(readingNew), TopologyChangeRefusedException.Kind.CONFLICT,
                "another change is in progress");
        assertRefused(() -> new Replace("node2", UUID.randomUUID(), url(2)).apply(streaming), TopologyChangeRefusedException.Kind.CONFLICT,
                "another change is in progress");
    }

    @Test
    void aLeaveIsRefusedWhenFewerThanNMembersWouldRemain() {
        assertRefused(() -> new Leave("node1").apply(formed(3)), TopologyChangeRefusedException.Kind.BAD_REQUEST,
                "only 2 members would remain, fewer than the 3 replicas");
        assertThat(new Leave("node1").apply(formed(4)).isChanging()).isTrue();
    }

    @Test
    void badIdsUrlsAndMembersAreRefusedAsBadRequests() {
        Topology topology = formed(4);
        UUID fresh = UUID.randomUUID();

        assertRefused(() -> new Join("no/slash", fresh, url(9)).apply(topology), TopologyChangeRefusedException.Kind.BAD_REQUEST, "invalid");
        assertRefused(() -> new Join("node9", fresh, URI.create("ftp://10.0.0.9")).apply(topology),
                TopologyChangeRefusedException.Kind.BAD_REQUEST, "http(s) URL");
        assertRefused(() -> new Join("node9", fresh, null).apply(topology), TopologyChangeRefusedException.Kind.BAD_REQUEST, "http(s) URL");
        assertRefused(() -> new Join("node2", fresh, url(9)).apply(topology), TopologyChangeRefusedException.Kind.BAD_REQUEST,
                "already a member (NORMAL); a member whose data directory is new rejoins as its own replacement");
        assertRefused(() -> new Join("node9", host(3), url(9)).apply(topology), TopologyChangeRefusedException.Kind.BAD_REQUEST,
                "already belongs to member node3");
        assertRefused(() -> new Join("node9", fresh, url(3)).apply(topology), TopologyChangeRefusedException.Kind.BAD_REQUEST,
                "already member node3's");
        assertRefused(() -> new Leave("node9").apply(topology), TopologyChangeRefusedException.Kind.BAD_REQUEST, "not a member");
        assertRefused(() -> new Replace("node9", fresh, url(9)).apply(topology), TopologyChangeRefusedException.Kind.BAD_REQUEST, "not a member");
        assertRefused(() -> new Replace("node2", host(2), url(2)).apply(topology), TopologyChangeRefusedException.Kind.BAD_REQUEST,
                "nothing to replace");
    }

    /** A member owning data is always one of the owners of some map, and one change at a time keeps exactly one member moving. */
    @Test
    void aTopologyThatBreaksAnInvariantCannotBeBuilt() {
        Topology topology = formed(3);
        List<TopologyMember> joiningWithoutChange = List.of(TopologyFixture.founder(1), TopologyFixture.founder(2),
                TopologyFixture.founder(3), new TopologyMember("node4", host(4), url(4), MemberState.JOINING));

        assertThatThrownBy(() -> new Topology(2, PARTITIONS, N, joiningWithoutChange, List.of(), topology.owners(), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Topology(2, PARTITIONS, N, topology.members().subList(0, 2), List.of(), topology.owners(), null))
                .hasMessageContaining("members owning data");
        assertThatThrownBy(() -> new Topology(2, PARTITIONS, N, topology.members(), List.of(host(1)), topology.owners(), null))
                .hasMessageContaining("retired");
    }

    @Test
    void everyCommittedChangeBumpsTheEpochByOne() {
        Topology topology = formed(4);
        List<TopologyChange> changes = List.of(join(5), new AdvancePhase(2), new Abort(3), new Leave("node1"), new AdvancePhase(5),
                new AdvancePhase(6), new AdvancePhase(7), new AdvancePhase(8), new Replace("node2", UUID.randomUUID(), url(2)));
        for (TopologyChange change : changes) {
            long before = topology.epoch();
            topology = change.apply(topology);
            assertThat(topology.epoch()).as("%s", change).isEqualTo(before + 1);
        }
        assertThat(apply(formed(4), changes.toArray(TopologyChange[]::new))).isEqualTo(topology);
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable change, TopologyChangeRefusedException.Kind kind,
            String reason) {
        assertThatThrownBy(change).isInstanceOfSatisfying(TopologyChangeRefusedException.class,
                refused -> assertThat(refused.kind()).as(refused.getMessage()).isEqualTo(kind)).hasMessageContaining(reason);
    }
}
