package dev.quorumkv.cluster;

import java.util.List;

/** A placement with no change running: every partition is read from and written to its owners. */
public record StaticPlacement(long epoch, PartitionMap owners, List<Member> replicaMembers) implements Placement {

    public StaticPlacement {
        replicaMembers = List.copyOf(replicaMembers);
    }

    @Override
    public int partitions() {
        return owners.partitions();
    }

    @Override
    public int partitionOf(String key) {
        return owners.partitionOf(key);
    }

    @Override
    public List<Member> readReplicas(int partition) {
        return owners.owners(partition);
    }

    @Override
    public List<Member> writeReplicas(int partition) {
        return owners.owners(partition);
    }

    @Override
    public List<List<Member>> writeQuorums(int partition) {
        return List.of(owners.owners(partition));
    }
}
