package dev.quorumkv.membership;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static dev.quorumkv.membership.TopologyFixture.join;
import static dev.quorumkv.membership.TopologyFixture.url;
import static org.assertj.core.api.Assertions.assertThat;

/** The in-memory topology log: what any log must give ({@link TopologyLogContract}), and restarts from snapshots. */
class TopologyLogTests extends TopologyLogContract {

    @Override
    protected TopologyLog newLog() {
        return new InMemoryTopologyLog();
    }

    @Test
    void listenersHearACommitBeforeItsSubmitCompletes() {
        try (TopologyLog log = new InMemoryTopologyLog()) {
            List<Topology> heard = new ArrayList<>();
            log.onCommit(heard::add);

            Topology first = log.submit(TopologyFixture.bootstrap(4)).join();

            assertThat(heard).containsExactly(first);
            assertThat(log.current()).isSameAs(first);
        }
    }

    /**
     * A node (or the whole group) crashes between phases and restarts from its snapshot: driving the change on from
     * there ends exactly where a run without the crash ends. Tried after each phase of a join, a leave and a replacement.
     */
    @Test
    void aLogRestartedFromASnapshotMidChangeReachesTheSameEndState() {
        UUID replacementHost = UUID.randomUUID();
        for (TopologyChange change : List.of(join(6), new Leave("node2"), new Replace("node3", replacementHost, url(13)))) {
            Topology uninterrupted = drive(startWith(change), 0);
            for (int advancesBeforeCrash = 0; advancesBeforeCrash < 4; advancesBeforeCrash++) {
                InMemoryTopologyLog log = startWith(change);
                for (int i = 0; i < advancesBeforeCrash; i++) {
                    log.submit(new AdvancePhase(log.current().epoch())).join();
                }
                byte[] snapshot = TopologyCodec.encode(log.current());
                log.close();

                InMemoryTopologyLog restarted = new InMemoryTopologyLog(TopologyCodec.decodeTopology(snapshot));

                assertThat(drive(restarted, advancesBeforeCrash)).as("%s, crashed after %d advances", change, advancesBeforeCrash)
                        .isEqualTo(uninterrupted);
            }
        }
    }

    /** Followers apply the same entries: replaying the encoded log from the start gives an equal topology at each epoch. */
    @Test
    void replayingTheEncodedEntriesGivesTheSameTopologyAtEveryEpoch() {
        InMemoryTopologyLog leader = new InMemoryTopologyLog();
        InMemoryTopologyLog follower = new InMemoryTopologyLog();
        List<TopologyChange> entries = List.of(TopologyFixture.bootstrap(4), join(5), new AdvancePhase(2), new AdvancePhase(3),
                new AdvancePhase(4), new AdvancePhase(5), new Leave("node1"), new AdvancePhase(7), new Abort(8));

        for (TopologyChange entry : entries) {
            Topology committed = leader.submit(entry).join();
            Topology replayed = follower.submit(TopologyCodec.decodeChange(TopologyCodec.encode(entry))).join();
            assertThat(replayed).isEqualTo(committed);
        }
        assertThat(follower.current().member("node1").orElseThrow().state()).isEqualTo(MemberState.NORMAL);
    }

    private static InMemoryTopologyLog startWith(TopologyChange change) {
        InMemoryTopologyLog log = new InMemoryTopologyLog();
        log.submit(TopologyFixture.bootstrap(5)).join();
        log.submit(change).join();
        return log;
    }

    /** Advances until the change is done, checking it takes the advances left after {@code alreadyAdvanced}. */
    private static Topology drive(InMemoryTopologyLog log, int alreadyAdvanced) {
        int advances = 0;
        while (log.current().isChanging()) {
            log.submit(new AdvancePhase(log.current().epoch())).join();
            advances++;
        }
        assertThat(advances).isEqualTo(4 - alreadyAdvanced);
        return log.current();
    }
}
