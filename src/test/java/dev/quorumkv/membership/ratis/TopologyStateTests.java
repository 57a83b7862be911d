package dev.quorumkv.membership.ratis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.quorumkv.membership.AdvancePhase;
import dev.quorumkv.membership.Topology;
import dev.quorumkv.membership.TopologyCodec;
import org.junit.jupiter.api.Test;

import static dev.quorumkv.membership.ratis.Topologies.formed;
import static dev.quorumkv.membership.ratis.Topologies.join;
import static org.assertj.core.api.Assertions.assertThat;

/** The compare-and-set the Raft log applies, without Raft: what it accepts, and that a refusal leaves the state alone. */
class TopologyStateTests {

    private final TopologyState state = new TopologyState();
    private final Topology first = formed(3);
    private final Topology joining = join(4).apply(first);

    @Test
    void theInitialStateIsTheEmptyTopology() {
        assertThat(TopologyCodec.decodeTopology(state.initial())).isEqualTo(Topology.empty());
    }

    @Test
    void anEntryFromTheStatesEpochToTheNextIsAcceptedAndItsTopologyBytesBecomeTheState() {
        ReplicatedState.Result bootstrapped = state.apply(state.initial(), TopologyState.entry(0, first));
        assertThat(bootstrapped).isInstanceOfSatisfying(ReplicatedState.Accepted.class,
                accepted -> assertThat(accepted.state()).isEqualTo(TopologyCodec.encode(first)));

        ReplicatedState.Result joined = state.apply(TopologyCodec.encode(first), TopologyState.entry(1, joining));
        assertThat(joined).isInstanceOfSatisfying(ReplicatedState.Accepted.class,
                accepted -> assertThat(TopologyCodec.decodeTopology(accepted.state())).isEqualTo(joining));
    }

    @Test
    void anEntryWhoseExpectedEpochIsStaleIsRefusedWithTheEpochTheStateMovedTo() {
        byte[] at2 = TopologyCodec.encode(joining);
        byte[] before = at2.clone();

        // A second bootstrap, and a change computed on epoch 1 after another change made epoch 2.
        ReplicatedState.Result secondBootstrap = state.apply(at2, TopologyState.entry(0, first));
        ReplicatedState.Result staleJoin = state.apply(at2, TopologyState.entry(1, join(5).apply(first)));

        assertThat(secondBootstrap).isInstanceOfSatisfying(ReplicatedState.Refused.class, refused -> {
            assertThat(refused.reason()).startsWith("epoch moved from 0 to 2");
            assertThat(TopologyState.movedTo(refused.reason())).hasValue(2);
        });
        assertThat(staleJoin).isInstanceOfSatisfying(ReplicatedState.Refused.class,
                refused -> assertThat(TopologyState.movedTo(refused.reason())).hasValue(2));
        assertThat(at2).isEqualTo(before);
    }

    @Test
    void anEntryWhoseTopologyIsNotTheNextEpochIsRefused() {
        Topology at3 = new AdvancePhase(2).apply(joining);
        byte[] at1 = TopologyCodec.encode(first);

        assertThat(state.apply(at1, TopologyState.entry(1, at3))).isInstanceOfSatisfying(ReplicatedState.Refused.class,
                refused -> assertThat(refused.reason()).contains("epoch 3, not 2"));
        assertThat(state.apply(at1, TopologyState.entry(1, first))).isInstanceOf(ReplicatedState.Refused.class);
    }

    @Test
    void garbageIsRefusedAndTheStateStaysAsItWas() {
        byte[] at1 = TopologyCodec.encode(first);
        byte[] before = at1.clone();
        byte[] valid = TopologyState.entry(1, joining);

        for (byte[] garbage : new byte[][] {
                new byte[0],
                "not an entry at all".getBytes(StandardCharsets.UTF_8),
                Arrays.copyOf(valid, 10), // the header and no topology
                Arrays.copyOf(valid, 15), // a topology cut short of its epoch
                withByte(valid, 0, (byte) 9), // another entry format
                withByte(valid, 1, (byte) 'X'), // another entry type
                withByte(valid, 11, (byte) 'B'), // a command where the topology should be
                TopologyCodec.encode(join(4)) }) {
            assertThat(state.apply(at1, garbage)).as("%s", Arrays.toString(garbage))
                    .isInstanceOfSatisfying(ReplicatedState.Refused.class,
                            refused -> assertThat(TopologyState.movedTo(refused.reason())).isEmpty());
        }
        assertThat(at1).isEqualTo(before);
    }

    @Test
    void aStateThatIsNoTopologyRefusesEveryEntryRatherThanThrowing() {
        assertThat(state.apply(new byte[] { 1, 2, 3 }, TopologyState.entry(0, first)))
                .isInstanceOfSatisfying(ReplicatedState.Refused.class,
                        refused -> assertThat(refused.reason()).contains("not a topology"));
    }

    @Test
    void onlyAStaleEpochRefusalNamesAnEpochToWaitFor() {
        assertThat(TopologyState.movedTo("epoch moved from 4 to 7: another change committed first")).hasValue(7);
        assertThat(TopologyState.movedTo("the entry's topology is at epoch 3, not 2 after 1")).isEmpty();
        assertThat(TopologyState.movedTo(null)).isEmpty();
    }

    private static byte[] withByte(byte[] bytes, int index, byte value) {
        byte[] copy = bytes.clone();
        copy[index] = value;
        return copy;
    }
}
