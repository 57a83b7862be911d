package dev.quorumkv.membership;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import dev.quorumkv.cluster.PartitionMap;

import static dev.quorumkv.membership.TopologyChangeRefusedException.badRequest;

/**
 * A member comes back with a new data directory (a lost disk): under its id, a new host takes its places, JOINING
 * until it has streamed them from their other owners; it is not read before {@link Phase#READ_NEW}. The old host id
 * has LEFT at once, so the old disk, should it turn up, can never serve its stale data. No place changes member, so
 * the owners stay as they are (at the new host's url).
 *
 * <p>A replacement that cannot finish (its new host failed too) cannot be aborted, so another host may replace the
 * member again before {@link Phase#READ_NEW}: the change starts over from {@link Phase#WRITE_BOTH} with the newer
 * host, and the one it supersedes has LEFT. From READ_NEW on the replacement serves reads, so it must finish first.
 */
public record Replace(String id, UUID hostId, URI url) implements TopologyChange {

    public Replace {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(hostId, "hostId");
    }

    @Override
    public Topology apply(Topology topology) {
        ChangeChecks.requireArrival(topology, id, url);
        TopologyMember replaced = topology.member(id).filter(member -> member.state() != MemberState.LEFT)
                .orElseThrow(() -> badRequest(id + " is not a member, so there is nothing to replace: a new node joins"));
        if (!replaced.claimed()) {
            throw badRequest(id + " has not started yet, so no data of its is lost: when it starts, it claims its place (Claim)");
        }
        if (replaced.hostId().equals(hostId)) {
            throw badRequest(id + " has host id " + hostId + " already: its data directory is the same, nothing to replace");
        }
        ChangeChecks.requireNewHostId(topology, hostId);
        ChangeChecks.requireFreeUrl(topology, url, id);
        boolean supersedes = topology.change().filter(running -> running.kind() == MemberChange.Kind.REPLACE
                && running.memberId().equals(id) && running.phase().abortable()).isPresent();
        if (!supersedes) {
            ChangeChecks.requireNoChange(topology);
        }
        TopologyMember replacement = new TopologyMember(id, hostId, url, MemberState.JOINING);
        List<TopologyMember> members = topology.members().stream().map(member -> member.id().equals(id) ? replacement : member).toList();
        Set<UUID> retired = new TreeSet<>(topology.retiredHostIds());
        retired.add(replaced.hostId());
        PartitionMap owners = topology.owners().withMemberReplaced(replaced.member(), replacement.member());
        return topology.next(members, retired, owners, new MemberChange(MemberChange.Kind.REPLACE, id, Phase.WRITE_BOTH, owners));
    }
}
