package dev.quorumkv.membership;

import java.time.Duration;

import dev.quorumkv.time.TimeSource;

/**
 * What this node reports to the change driver ({@link MemberProgress}). An epoch is settled here once it was
 * applied at least {@code settleAfter} ago: every operation is bounded by the replication timeout, so one begun on
 * an older epoch is over by then ({@code settleAfter} is that timeout plus a margin). This is the barrier's
 * "finished what it began on the epoch before", without counting operations per epoch.
 */
public final class LocalProgress {

    private final TimeSource time;
    private final Duration settleAfter;
    private final PartitionStreaming streaming;
    private long latestEpoch;
    private long latestAppliedNanos;
    private long previousEpoch;

    public LocalProgress(TopologyLog topologyLog, TimeSource time, Duration settleAfter, PartitionStreaming streaming) {
        this.time = time;
        this.settleAfter = settleAfter;
        this.streaming = streaming;
        topologyLog.onCommit(this::applied);
        applied(topologyLog.current());
    }

    private synchronized void applied(Topology topology) {
        if (topology.epoch() <= latestEpoch) {
            return;
        }
        previousEpoch = latestEpoch;
        latestEpoch = topology.epoch();
        latestAppliedNanos = time.nanoTime();
    }

    public synchronized MemberProgress progress() {
        boolean settled = time.nanoTime() - latestAppliedNanos >= settleAfter.toNanos();
        return new MemberProgress(settled ? latestEpoch : previousEpoch, streaming.streamedEpoch());
    }
}
