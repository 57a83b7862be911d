package dev.quorumkv.membership;

import java.util.List;
import java.util.Objects;

import static dev.quorumkv.membership.TopologyChangeRefusedException.badRequest;

/**
 * A member is decommissioned: it becomes LEAVING and the change begins, in {@link Phase#WRITE_BOTH}, towards a map
 * where only its places have moved ({@code PartitionMap.withMemberRemoved}). Refused when fewer than N members would
 * remain: every partition must keep N owners.
 */
public record Leave(String id) implements TopologyChange {

    public Leave {
        Objects.requireNonNull(id, "id");
    }

    @Override
    public Topology apply(Topology topology) {
        ChangeChecks.requireValidId(id);
        ChangeChecks.requireFormed(topology);
        TopologyMember leaver = topology.member(id).filter(member -> member.state() != MemberState.LEFT)
                .orElseThrow(() -> badRequest(id + " is not a member of the cluster"));
        ChangeChecks.requireNoChange(topology);
        long remaining = topology.members().stream().filter(member -> member.state() == MemberState.NORMAL).count() - 1;
        if (remaining < topology.replicas()) {
            throw badRequest("only " + remaining + " members would remain, fewer than the " + topology.replicas()
                    + " replicas each partition needs: add a member before removing " + id);
        }
        List<TopologyMember> members = topology.members().stream()
                .map(member -> member.id().equals(id) ? member.withState(MemberState.LEAVING) : member).toList();
        MemberChange change = new MemberChange(MemberChange.Kind.LEAVE, id, Phase.WRITE_BOTH,
                topology.owners().withMemberRemoved(leaver.member(), topology.replicas()));
        return topology.next(members, topology.retiredHostIds(), topology.owners(), change);
    }
}
