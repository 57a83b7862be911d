package dev.quorumkv.membership;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import static dev.quorumkv.membership.TopologyChangeRefusedException.badRequest;

/**
 * A new member joins: it becomes JOINING and the change begins, in {@link Phase#WRITE_BOTH}, towards a map where
 * it holds its share ({@code PartitionMap.withMemberAdded}). An id that has LEFT may join again, with a new host.
 *
 * @param hostId the joining host's id when it asks to join itself ({@code quorumkv.cluster.auto-join}); null when an
 *               operator adds a member by id and url ({@code POST /admin/members}): its place is kept for it, and the
 *               node claims it with its host id when it starts ({@link Claim}), as a first member does
 */
public record Join(String id, UUID hostId, URI url) implements TopologyChange {

    public Join {
        Objects.requireNonNull(id, "id");
    }

    @Override
    public Topology apply(Topology topology) {
        ChangeChecks.requireArrival(topology, id, url);
        topology.member(id).filter(member -> member.state() != MemberState.LEFT).ifPresent(member -> {
            throw badRequest(id + " is already a member (" + member.state() + ")" + (hostId == null || hostId.equals(member.hostId()) ? ""
                    : "; a member whose data directory is new rejoins as its own replacement"));
        });
        if (hostId != null) {
            ChangeChecks.requireNewHostId(topology, hostId);
        }
        ChangeChecks.requireFreeUrl(topology, url, null);
        ChangeChecks.requireNoChange(topology);
        TopologyMember joiner = new TopologyMember(id, hostId, url, MemberState.JOINING);
        List<TopologyMember> members = new ArrayList<>(topology.members().stream().filter(member -> !member.id().equals(id)).toList());
        members.add(joiner);
        MemberChange change = new MemberChange(MemberChange.Kind.JOIN, id, Phase.WRITE_BOTH,
                topology.owners().withMemberAdded(joiner.member(), topology.replicas()));
        return topology.next(members, topology.retiredHostIds(), topology.owners(), change);
    }
}
