package dev.quorumkv.membership;

/**
 * What a member tells the change driver of itself.
 *
 * @param settledEpoch  the newest epoch this member has applied and acts on alone: every operation it began on an
 *                      older epoch is over. The barrier before each phase waits for every member to reach it.
 * @param streamedEpoch the epoch of the newest STREAMING phase whose incoming partitions this member has copied
 *                      from their old owners; 0 if none
 */
public record MemberProgress(long settledEpoch, long streamedEpoch) {
}
