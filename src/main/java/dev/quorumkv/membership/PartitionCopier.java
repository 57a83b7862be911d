package dev.quorumkv.membership;

import java.util.List;

import dev.quorumkv.cluster.Member;

/**
 * Port: copies partitions to this node from a member that holds them, through the anti-entropy exchange (a new
 * owner is an empty replica to repair, as ScyllaDB's repair-based node operations do). Blocks until done.
 */
public interface PartitionCopier {

    /**
     * Copies every key of {@code partitions} this node lacks or holds older from {@code source}.
     *
     * @return the keys copied
     * @throws RuntimeException when the copy could not complete (the source did not answer, or a write failed)
     */
    long copy(Member source, List<Integer> partitions);
}
