package dev.quorumkv.membership;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

import static dev.quorumkv.membership.TopologyChangeRefusedException.badRequest;
import static dev.quorumkv.membership.TopologyChangeRefusedException.conflict;

/**
 * A first member, named in {@code quorumkv.cluster.members} but not yet started with its data directory, claims its
 * place with its host id. The first topology is formed before every first member has spoken ({@link Bootstrap} needs
 * only the Raft group's majority), so each claims its own place when it starts. A place claimed by another host is
 * refused: that member's data directory is new, and it comes back as its own replacement ({@link Replace}). Moves no
 * data, so it is taken while a change runs too.
 */
public record Claim(String id, UUID hostId) implements TopologyChange {

    public Claim {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(hostId, "hostId");
    }

    @Override
    public Topology apply(Topology topology) {
        ChangeChecks.requireValidId(id);
        ChangeChecks.requireFormed(topology);
        TopologyMember member = topology.member(id).filter(found -> found.state() != MemberState.LEFT)
                .orElseThrow(() -> badRequest(id + " is not a member of the cluster, so it has no place to claim: a new node joins"));
        if (hostId.equals(member.hostId())) {
            throw conflict(id + " is claimed by host " + hostId + " already");
        }
        if (member.claimed()) {
            throw badRequest(id + " is claimed by host " + member.hostId() + ", not " + hostId
                    + ": its data directory is new, so it rejoins as its own replacement");
        }
        ChangeChecks.requireNewHostId(topology, hostId);
        List<TopologyMember> members = topology.members().stream()
                .map(found -> found.id().equals(id) ? new TopologyMember(id, hostId, found.url(), found.state()) : found).toList();
        return topology.next(members, topology.retiredHostIds(), topology.owners(), topology.change().orElse(null));
    }
}
