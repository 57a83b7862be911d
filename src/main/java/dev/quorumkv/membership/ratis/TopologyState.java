package dev.quorumkv.membership.ratis;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.quorumkv.membership.Topology;
import dev.quorumkv.membership.TopologyCodec;

/**
 * The topology as the Raft log replicates it: the state is a {@link Topology} as {@link TopologyCodec} encodes it, and
 * every entry is a compare-and-set that replaces it with the next topology, computed by the member that submitted it.
 * <p>
 * <b>An entry</b> ({@link #entry}): a format byte ({@code 1}), a type byte ({@code 'C'}), the expected epoch (a long,
 * big-endian), then the next topology's bytes as {@link TopologyCodec#encode(Topology)} wrote them. It is accepted only
 * when the state is at the expected epoch and the next topology at the one after; the state becomes the entry's
 * topology bytes, as they are. Anything else is refused, and changes nothing: an expected epoch the state has moved
 * past ({@link #movedTo} reads the epoch back from the reason), a topology at the wrong epoch, bytes that are not an
 * entry.
 * <p>
 * <b>Only the epochs are read here</b>, from the first ten bytes every encoded topology starts with (format, type
 * {@code 'T'}, epoch), never the rest. So whether an entry is accepted depends on nothing a release may change (the
 * placement code, the topology's invariants, the codec's body): members on two versions during a rolling upgrade accept
 * and refuse the same entries and keep equal states. The topology itself is checked where it is made (its constructor,
 * at the submitter) and decoded where it is used ({@link RatisTopologyLog#current()}).
 */
final class TopologyState implements ReplicatedState {

    static final byte ENTRY_FORMAT = 1;
    static final byte COMPARE_AND_SET = 'C';

    private static final int ENTRY_HEADER = 2 + Long.BYTES;
    /** Format byte, type byte, epoch: the start of every encoded topology. */
    private static final int TOPOLOGY_HEADER = 2 + Long.BYTES;
    private static final byte TOPOLOGY_TYPE = 'T';
    private static final Pattern MOVED = Pattern.compile("^epoch moved from (\\d+) to (\\d+)");

    private final byte[] initial = TopologyCodec.encode(Topology.empty());

    @Override
    public byte[] initial() {
        return initial.clone();
    }

    @Override
    public Result apply(byte[] state, byte[] command) {
        if (command == null || command.length < ENTRY_HEADER || command[0] != ENTRY_FORMAT || command[1] != COMPARE_AND_SET) {
            return ReplicatedState.refuse("not a topology compare-and-set entry (format " + ENTRY_FORMAT + ")");
        }
        long expected = ByteBuffer.wrap(command, 2, Long.BYTES).getLong();
        byte[] next = Arrays.copyOfRange(command, ENTRY_HEADER, command.length);
        OptionalLong nextEpoch = epochOf(next);
        if (nextEpoch.isEmpty()) {
            return ReplicatedState.refuse("the entry holds no topology");
        }
        OptionalLong stateEpoch = epochOf(state);
        if (stateEpoch.isEmpty()) {
            return ReplicatedState.refuse("the state is not a topology");
        }
        if (stateEpoch.getAsLong() != expected) {
            return ReplicatedState.refuse("epoch moved from " + expected + " to " + stateEpoch.getAsLong()
                    + ": another change committed first");
        }
        if (nextEpoch.getAsLong() != expected + 1) {
            return ReplicatedState.refuse("the entry's topology is at epoch " + nextEpoch.getAsLong() + ", not "
                    + (expected + 1) + " after " + expected);
        }
        return ReplicatedState.accept(next);
    }

    /** A compare-and-set entry: replace the topology at {@code expectedEpoch} with {@code next}. */
    static byte[] entry(long expectedEpoch, Topology next) {
        byte[] topology = TopologyCodec.encode(next);
        return ByteBuffer.allocate(ENTRY_HEADER + topology.length).put(ENTRY_FORMAT).put(COMPARE_AND_SET)
                .putLong(expectedEpoch).put(topology).array();
    }

    /** The epoch a refusal says the state had moved to, when it refused an entry for its stale expected epoch. */
    static OptionalLong movedTo(String reason) {
        Matcher moved = MOVED.matcher(reason == null ? "" : reason);
        if (!moved.find()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(moved.group(2)));
        }
        catch (NumberFormatException ex) {
            return OptionalLong.empty();
        }
    }

    private static OptionalLong epochOf(byte[] topology) {
        if (topology == null || topology.length < TOPOLOGY_HEADER || topology[1] != TOPOLOGY_TYPE) {
            return OptionalLong.empty();
        }
        long epoch = ByteBuffer.wrap(topology, 2, Long.BYTES).getLong();
        return epoch < 0 ? OptionalLong.empty() : OptionalLong.of(epoch);
    }
}
