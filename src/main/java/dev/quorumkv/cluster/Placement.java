package dev.quorumkv.cluster;

import java.util.List;

/**
 * Where keys live at one epoch of the membership: whom a read of a partition asks, whom a write goes to, and whose
 * acks a write needs. With members fixed these are one owner list; while a member joins, leaves or is replaced
 * they differ by phase (the membership topology implements this while a change runs). Immutable.
 */
public interface Placement {

    /** The membership epoch this placement belongs to; a newer one replaces it, an older one never does. */
    long epoch();

    /** The number of partitions, fixed when the cluster was created. */
    int partitions();

    /** The partition of a key (the top bits of its {@link KeyHash}). */
    int partitionOf(String key);

    /** The owners of every partition as committed; while a change runs, the old owners. */
    PartitionMap owners();

    /** Every member that holds or will hold data (not those that have left): the peers to watch, probe and repair. */
    List<Member> replicaMembers();

    /** Whom a read of the partition asks, primary first. */
    List<Member> readReplicas(int partition);

    /** Whom a write of the partition goes to, primary first. */
    List<Member> writeReplicas(int partition);

    /**
     * The groups a write of the partition needs W acks from, each: one group with members fixed, the old and the
     * new owners while a change writes to both.
     */
    List<List<Member>> writeQuorums(int partition);
}
