package dev.quorumkv.membership;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;

/**
 * What makes a topology sound, checked whenever one is built, so one decoded from a snapshot is as sound as one the
 * commands made: members one per id; a host id retired exactly when its member has LEFT, and no other member's;
 * the owners exactly the members owning data (NORMAL and LEAVING, and a replacement); no member JOINING or LEAVING
 * but the one the running change is about; the new owners exactly the members that will own data.
 */
final class TopologyInvariants {

    private TopologyInvariants() {
    }

    static void check(Topology topology) {
        long epoch = topology.epoch();
        List<TopologyMember> members = topology.members();
        Set<UUID> retiredHostIds = topology.retiredHostIds();
        PartitionMap owners = topology.owners();
        MemberChange change = topology.change().orElse(null);
        int partitions = topology.partitions();
        int replicas = topology.replicas();
        if (epoch < 0) {
            throw new IllegalArgumentException("a topology's epoch is never negative, not " + epoch);
        }
        if (epoch == 0) {
            if (!members.isEmpty() || !retiredHostIds.isEmpty() || owners != null || change != null) {
                throw new IllegalArgumentException("the topology before epoch 1 has no members, owners or change");
            }
            return;
        }
        if (replicas < 1 || owners == null || owners.partitions() != partitions) {
            throw new IllegalArgumentException("a topology needs owners for its " + partitions + " partitions and N >= 1");
        }
        Map<String, TopologyMember> byId = members.stream()
                .collect(Collectors.toMap(TopologyMember::id, Function.identity(), (one, other) -> {
                    throw new IllegalArgumentException("member " + one.id() + " appears twice");
                }));
        Set<UUID> hostIds = new HashSet<>();
        for (TopologyMember member : members) {
            boolean left = member.state() == MemberState.LEFT;
            if (!member.claimed()) {
                continue; // a first member that never started: no host id to retire or to share
            }
            if (left != retiredHostIds.contains(member.hostId()) || (!left && !hostIds.add(member.hostId()))) {
                throw new IllegalArgumentException("host id " + member.hostId() + " of " + member.id()
                        + " must be retired exactly when it has LEFT, and belong to one member");
            }
        }
        checkOwners(owners, byId, change == null || change.kind() != MemberChange.Kind.JOIN ? null : change.memberId());
        if (change == null) {
            if (members.stream().anyMatch(member -> member.state() == MemberState.JOINING || member.state() == MemberState.LEAVING)) {
                throw new IllegalArgumentException("a member is JOINING or LEAVING while no change runs");
            }
            return;
        }
        TopologyMember subject = byId.get(change.memberId());
        MemberState expected = change.kind() == MemberChange.Kind.LEAVE ? MemberState.LEAVING : MemberState.JOINING;
        if (subject == null || subject.state() != expected || change.pending().partitions() != partitions
                || members.stream().filter(member -> member.state() == MemberState.JOINING || member.state() == MemberState.LEAVING).count() != 1) {
            throw new IllegalArgumentException("the change " + change + " needs its member, alone, " + expected);
        }
        checkOwners(change.pending(), byId, change.kind() == MemberChange.Kind.LEAVE ? change.memberId() : null);
    }

    /** The map's owners are exactly the members that own data in it, as they are (id and url), minus one left out. */
    private static void checkOwners(PartitionMap map, Map<String, TopologyMember> byId, String leftOut) {
        Set<Member> expected = byId.values().stream()
                .filter(member -> member.state() != MemberState.LEFT && !member.id().equals(leftOut))
                .map(TopologyMember::member).collect(Collectors.toSet());
        if (!Set.copyOf(map.members()).equals(expected)) {
            throw new IllegalArgumentException("the owners " + map.members() + " must be the members owning data " + expected);
        }
    }
}
