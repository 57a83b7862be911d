package dev.quorumkv.membership;

import java.util.List;

import static dev.quorumkv.membership.TopologyChangeRefusedException.conflict;

/**
 * Rolls the running change back, while no read has gone to the new owners ({@link Phase#READ_NEW}): the owners
 * never changed, a joiner is no member at all (it may join again, with the same host), a leaver is NORMAL again.
 * A replacement cannot be rolled back: the host it replaced has lost its data, so the only way is forward (or
 * another replacement, see {@link Replace}).
 */
public record Abort(long epochExpected) implements TopologyChange {

    @Override
    public Topology apply(Topology topology) {
        ChangeChecks.requireFormed(topology);
        ChangeChecks.requireEpoch(topology, epochExpected);
        MemberChange change = topology.change().orElseThrow(() -> conflict("no change is in progress, so there is nothing to abort"));
        if (change.kind() == MemberChange.Kind.REPLACE) {
            throw conflict("the replacement of " + change.memberId() + " cannot be aborted: the host it replaces has lost its data;"
                    + " let it finish, or replace it again with another host before READ_NEW");
        }
        if (!change.phase().abortable()) {
            throw conflict(change + " has reached " + change.phase() + ", where reads use the new owners: it can only go forward");
        }
        List<TopologyMember> members = change.kind() == MemberChange.Kind.JOIN
                ? topology.members().stream().filter(member -> !member.id().equals(change.memberId())).toList()
                : topology.members().stream().map(member -> member.id().equals(change.memberId())
                        ? member.withState(MemberState.NORMAL) : member).toList();
        return topology.next(members, topology.retiredHostIds(), topology.owners(), null);
    }
}
