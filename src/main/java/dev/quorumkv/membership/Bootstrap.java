package dev.quorumkv.membership;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.quorumkv.cluster.PartitionMap;

import static dev.quorumkv.membership.TopologyChangeRefusedException.badRequest;
import static dev.quorumkv.membership.TopologyChangeRefusedException.conflict;

/**
 * Forms the first topology, epoch 1, from {@code quorumkv.cluster.members}: the first entry of an empty log.
 * The members are NORMAL and own the partitions striped over them. Their host ids may be unknown (null): the node
 * that forms the topology knows only its own, and each first member claims its place when it starts ({@link Claim}).
 */
public record Bootstrap(List<TopologyMember> members, int partitions, int replicas) implements TopologyChange {

    public Bootstrap {
        members = List.copyOf(members);
    }

    @Override
    public Topology apply(Topology topology) {
        if (!topology.isEmpty()) {
            throw conflict("the topology was formed already (it is at epoch " + topology.epoch() + "); change it by joins and leaves");
        }
        if (members.isEmpty()) {
            throw badRequest("a cluster needs at least one member");
        }
        if (partitions < 1 || partitions > 65536 || Integer.bitCount(partitions) != 1) {
            throw badRequest("the number of partitions must be a power of two from 1 to 65536, not " + partitions);
        }
        if (replicas < 1) {
            throw badRequest("the replica count N must be at least 1, not " + replicas);
        }
        Set<String> ids = new HashSet<>();
        Set<Object> hostIdsAndUrls = new HashSet<>();
        for (TopologyMember member : members) {
            ChangeChecks.requireValidId(member.id());
            if (members.size() > 1 || member.url() != null) {
                ChangeChecks.requireValidUrl(member.id(), member.url());
            }
            if (member.state() != MemberState.NORMAL) {
                throw badRequest("the first members are NORMAL, not " + member);
            }
            if (!ids.add(member.id()) || (member.claimed() && !hostIdsAndUrls.add(member.hostId()))
                    || (member.url() != null && !hostIdsAndUrls.add(member.url()))) {
                throw badRequest("member " + member.id() + " repeats another's id, host id or url");
            }
        }
        PartitionMap owners = PartitionMap.striped(members.stream().map(TopologyMember::member).toList(), partitions, replicas);
        return new Topology(1, partitions, replicas, members, Set.of(), owners, null);
    }
}
