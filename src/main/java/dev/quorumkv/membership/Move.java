package dev.quorumkv.membership;

/**
 * One owner place changing hands in the running change.
 *
 * @param partition the partition
 * @param from      the member giving the place up (a replacement's own id: its old host); null where the cluster is
 *                  smaller than the replica count and the joiner becomes one more owner
 * @param to        the member taking it
 * @param phase     the phase of the change
 */
public record Move(int partition, String from, String to, Phase phase) {
}
