package dev.quorumkv.membership;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.quorumkv.cluster.Member;

/**
 * The partitions a member receives in the running change, each with the old owners that hold its data: a joiner's
 * or gainer's new partitions from their owners; a replacement's every partition from its other owners (its own old
 * copy went with its disk, and carries its id, so a member of its id is never a source).
 */
final class IncomingPartitions {

    private IncomingPartitions() {
    }

    /** Partition to the members to copy it from, in partition order; empty when the member receives nothing. */
    static Map<Integer, List<Member>> of(Topology topology, String memberId) {
        MemberChange change = topology.change().orElse(null);
        Map<Integer, List<Member>> incoming = new LinkedHashMap<>();
        if (change == null) {
            return incoming;
        }
        boolean replaced = change.kind() == MemberChange.Kind.REPLACE && change.memberId().equals(memberId);
        for (int partition = 0; partition < topology.partitions(); partition++) {
            List<Member> owners = topology.owners().owners(partition);
            boolean gains = holds(change.pending().owners(partition), memberId) && (replaced || !holds(owners, memberId));
            if (gains) {
                incoming.put(partition, owners.stream().filter(owner -> !owner.id().equals(memberId)).toList());
            }
        }
        return incoming;
    }

    private static boolean holds(List<Member> owners, String memberId) {
        return owners.stream().anyMatch(owner -> owner.id().equals(memberId));
    }
}
