package dev.quorumkv.membership;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import dev.quorumkv.cluster.Member;
import org.junit.jupiter.api.Test;

import static dev.quorumkv.membership.TopologyFixture.PARTITIONS;
import static dev.quorumkv.membership.TopologyFixture.advance;
import static dev.quorumkv.membership.TopologyFixture.formed;
import static dev.quorumkv.membership.TopologyFixture.ids;
import static dev.quorumkv.membership.TopologyFixture.join;
import static dev.quorumkv.membership.TopologyFixture.url;
import static org.assertj.core.api.Assertions.assertThat;

class TopologyRoutingTests {

    private static final int W = 2;
    private static final int R = 2;

    @Test
    void withNoChangeReadsAndWritesGoToTheOwnersAndAWriteNeedsWOfThem() {
        Topology topology = formed(4);

        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(topology.readReplicas(p)).isEqualTo(topology.owners().owners(p));
            assertThat(topology.writeReplicas(p)).isEqualTo(topology.owners().owners(p));
            assertThat(topology.writeQuorums(p)).containsExactly(topology.owners().owners(p));
        }
        assertThat(topology.readReplicas("k")).isEqualTo(topology.owners().preferenceList("k", 3));
    }

    /** Whatever the phase, every replica a read may ask is one a write went to. */
    @Test
    void writeReplicasContainReadReplicasInEveryPhaseOfEveryKindOfChange() {
        for (List<Topology> phases : List.of(joinPhases(), leavePhases(), replacePhases())) {
            for (Topology topology : phases) {
                for (int p = 0; p < PARTITIONS; p++) {
                    List<Member> written = topology.writeReplicas(p);
                    assertThat(written).as("%s partition %d", topology, p).doesNotHaveDuplicates().containsAll(topology.readReplicas(p));
                    topology.writeQuorums(p).forEach(group -> assertThat(written).containsAll(group));
                }
            }
        }
    }

    @Test
    void readsMoveToTheNewOwnersAtReadNewAndWritesLeaveTheOldOnesAtDropOld() {
        List<Topology> phases = joinPhases();
        int p = phases.get(1).moves().get(0).partition();
        List<Member> old = phases.get(0).owners().owners(p);
        List<Member> pending = phases.get(1).change().orElseThrow().pending().owners(p);

        assertThat(phases).extracting(topology -> topology.readReplicas(p)).containsExactly(old, old, old, pending, pending, pending);
        assertThat(phases.get(1).writeReplicas(p)).containsExactlyInAnyOrderElementsOf(union(old, pending)).hasSize(4);
        assertThat(phases.get(3).writeReplicas(p)).hasSize(4);
        assertThat(phases.get(4).writeReplicas(p)).isEqualTo(pending);
        assertThat(phases.get(2).writeQuorums(p)).containsExactly(old, pending);
        assertThat(phases.get(4).writeQuorums(p)).containsExactly(pending);
    }

    @Test
    void aReplacementIsWrittenFromTheStartButReadOnlyFromReadNew() {
        List<Topology> phases = replacePhases();
        int p = phases.get(1).moves().get(0).partition();

        for (int phase = 1; phase <= 2; phase++) {
            assertThat(ids(phases.get(phase).readReplicas(p))).hasSize(2).doesNotContain("node2");
            assertThat(ids(phases.get(phase).writeReplicas(p))).hasSize(3).contains("node2");
            assertThat(phases.get(phase).writeQuorums(p)).hasSize(1);
        }
        assertThat(ids(phases.get(3).readReplicas(p))).hasSize(3).contains("node2");
    }

    /**
     * The promise, checked exhaustively for N=3, W=2, R=2 on a partition that moves, for a join, a leave and a
     * replacement (whose old host lost everything it held). Phases are numbered 0 (before) to 5 (done). A driver
     * advances only after a barrier: every node has the current phase and has finished what it began under the one
     * before. So while the cluster is in phase c, a coordinator routes by phase c or c-1, and streaming (phase 2)
     * begins only after every write acknowledged in phases 0 and 1 has been acknowledged, so it copies those.
     *
     * For a write acknowledged while the cluster is in phase cw, through either routing, by any set of replicas
     * with W acks in each of the routing's {@code writeQuorums}, and for every later read (cluster phase cr >= cw,
     * either routing, any R of its {@code readReplicas}): the read meets a replica holding the write. And once the
     * change is done, W of the owners hold it.
     *
     * Why it holds: before READ_NEW reads go to the old owners, and every write has W acks among them (W+R>N); from
     * READ_NEW on reads go to the new owners, which hold W copies of every write acknowledged in a write-both phase
     * (W acks among them) and of every earlier write (the old owner's copy was streamed to its successor). A write
     * counted as W acks among old and new together could be held by the leaving owner and one that stays: after
     * the switch, a read of the other two new owners would miss it. A replacement is not read before READ_NEW, so
     * reads meet W-1 >= N-R of the surviving owners' copies among its N-1 others.
     */
    @Test
    void aWriteAcknowledgedBeforeOrDuringAChangeIsSeenByEveryLaterQuorumReadAndHeldByWOwnersAfter() {
        assertPromiseHolds(joinPhases(), null);
        assertPromiseHolds(leavePhases(), null);
        assertPromiseHolds(replacePhases(), "node2");
    }

    /**
     * Why a write needs W acks in each of {@code writeQuorums}: counted over old and new owners together, W = 2 acks
     * could come from the owner giving the place up and the one taking it, and a read of the two other old owners,
     * a full read quorum, would miss the write. The old owners' group has only one of those acks, so it is not enough.
     */
    @Test
    void countingWAcksOverOldAndNewOwnersTogetherWouldLetAQuorumReadMissTheWrite() {
        Topology streaming = joinPhases().get(2);
        Move move = streaming.moves().get(0);
        Set<String> acked = Set.of(move.from(), move.to());

        List<String> readMissingIt = ids(streaming.readReplicas(move.partition())).stream().filter(id -> !acked.contains(id)).toList();

        assertThat(streaming.writeReplicas(move.partition())).hasSize(4);
        assertThat(readMissingIt).hasSize(R);
        assertThat(intersection(acked, ids(streaming.writeQuorums(move.partition()).get(0)))).isLessThan(W);
    }

    private static void assertPromiseHolds(List<Topology> phases, String lostHost) {
        int checked = 0;
        for (Move move : phases.get(1).moves().subList(0, Math.min(8, phases.get(1).moves().size()))) {
            int p = move.partition();
            Set<String> finalOwners = new HashSet<>(ids(phases.get(5).owners().owners(p)));
            for (int cw = 0; cw <= 5; cw++) {
                for (Topology writer : routings(phases, cw)) {
                    for (Set<String> acked : subsets(ids(writer.writeReplicas(p)))) {
                        if (!writer.writeQuorums(p).stream().allMatch(group -> intersection(acked, ids(group)) >= W)) {
                            continue;
                        }
                        Set<String> held = new HashSet<>(acked);
                        if (cw == 0 && lostHost != null) {
                            held.remove(lostHost); // the old disk is gone
                        }
                        if (cw <= 1) { // streamed: the successor copies from the old owner (a replacement from any other)
                            boolean source = lostHost == null ? held.contains(move.from()) : !held.isEmpty();
                            if (source) {
                                held.add(move.to());
                            }
                        }
                        for (int cr = cw; cr <= 5; cr++) {
                            for (Topology reader : routings(phases, cr)) {
                                for (Set<String> asked : subsets(ids(reader.readReplicas(p)))) {
                                    if (asked.size() == R) {
                                        assertThat(intersection(asked, new ArrayList<>(held))).as("write in phase %d by %s acked by %s,"
                                                + " read in phase %d of %s", cw, writer, acked, cr, asked).isPositive();
                                        checked++;
                                    }
                                }
                            }
                        }
                        assertThat(intersection(finalOwners, new ArrayList<>(held))).as("held by %s after the change", held)
                                .isGreaterThanOrEqualTo(W);
                    }
                }
            }
        }
        assertThat(checked).isPositive();
    }

    /** The routings in use while the cluster is in phase c: that phase's, and the one before it on lagging nodes. */
    private static List<Topology> routings(List<Topology> phases, int c) {
        return c == 0 ? List.of(phases.get(0)) : List.of(phases.get(c - 1), phases.get(c));
    }

    /** Before, WRITE_BOTH, STREAMING, READ_NEW, DROP_OLD, done. */
    private static List<Topology> phasesOf(Topology before, TopologyChange change) {
        List<Topology> phases = new ArrayList<>(List.of(before, change.apply(before)));
        while (phases.size() < 6) {
            phases.add(advance(phases.get(phases.size() - 1)));
        }
        assertThat(phases.get(5).isChanging()).isFalse();
        return phases;
    }

    private static List<Topology> joinPhases() {
        return phasesOf(formed(4), join(5));
    }

    private static List<Topology> leavePhases() {
        return phasesOf(formed(5), new Leave("node2"));
    }

    private static List<Topology> replacePhases() {
        return phasesOf(formed(4), new Replace("node2", UUID.randomUUID(), url(2)));
    }

    private static List<Set<String>> subsets(List<String> items) {
        List<Set<String>> subsets = new ArrayList<>();
        for (int mask = 0; mask < 1 << items.size(); mask++) {
            Set<String> subset = new HashSet<>();
            for (int i = 0; i < items.size(); i++) {
                if ((mask & 1 << i) != 0) {
                    subset.add(items.get(i));
                }
            }
            subsets.add(subset);
        }
        return subsets;
    }

    private static int intersection(Set<String> set, List<String> other) {
        return (int) other.stream().distinct().filter(set::contains).count();
    }

    private static List<Member> union(List<Member> one, List<Member> other) {
        Set<Member> all = new java.util.LinkedHashSet<>(one);
        all.addAll(other);
        return List.copyOf(all);
    }
}
