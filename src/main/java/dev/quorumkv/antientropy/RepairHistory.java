package dev.quorumkv.antientropy;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Per partition, when the last round started whose exchanges with every other owner of the partition all
 * completed: every tombstone this node held then, stamped before that time, is held by every owner since
 * (or a newer version is). Kept in memory only: after a restart nothing is purged until a round completes.
 */
class RepairHistory {

    /** Wall millis; 0 (before any version) while no round has completed. */
    private final AtomicLongArray lastCompleteRoundStart;

    RepairHistory(int partitions) {
        this.lastCompleteRoundStart = new AtomicLongArray(partitions);
    }

    void completed(int partition, long roundStartMillis) {
        lastCompleteRoundStart.accumulateAndGet(partition, roundStartMillis, Math::max);
    }

    long lastCompleteRoundStart(int partition) {
        return lastCompleteRoundStart.get(partition);
    }
}
