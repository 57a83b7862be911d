package dev.quorumkv.membership;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static dev.quorumkv.membership.TopologyChangeRefusedException.conflict;

/**
 * Moves the running change to its next {@link Phase}; after {@link Phase#DROP_OLD} the change is done: the new
 * owners become the owners, a joiner or replacement NORMAL, a leaver LEFT (its host id retired for good). The
 * expected epoch makes it safe to send twice (a retry after a lost answer is refused, not applied again) and ties
 * it to the phase its sender saw, whose barrier it waited for.
 */
public record AdvancePhase(long epochExpected) implements TopologyChange {

    @Override
    public Topology apply(Topology topology) {
        ChangeChecks.requireFormed(topology);
        ChangeChecks.requireEpoch(topology, epochExpected);
        MemberChange change = topology.change().orElseThrow(() -> conflict("no change is in progress, so there is no phase to advance"));
        if (change.phase() != Phase.DROP_OLD) {
            return topology.next(topology.members(), topology.retiredHostIds(), topology.owners(), change.inPhase(change.phase().next()));
        }
        Set<UUID> retired = new TreeSet<>(topology.retiredHostIds());
        List<TopologyMember> members = topology.members().stream().map(member -> {
            if (!member.id().equals(change.memberId())) {
                return member;
            }
            if (change.kind() == MemberChange.Kind.LEAVE) {
                if (member.claimed()) {
                    retired.add(member.hostId());
                }
                return member.withState(MemberState.LEFT);
            }
            return member.withState(MemberState.NORMAL);
        }).toList();
        return topology.next(members, retired, change.pending(), null);
    }
}
