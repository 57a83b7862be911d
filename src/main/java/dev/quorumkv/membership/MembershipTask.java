package dev.quorumkv.membership;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;

import dev.quorumkv.time.PeriodicTask;
import dev.quorumkv.time.TimeSource;

/**
 * Each interval: this node streams what it receives in a running change, and, on the node leading the topology
 * log, the change driver takes its next step. Both block (copies, calls to every member), so they run on a thread
 * of their own.
 */
public final class MembershipTask extends PeriodicTask implements AutoCloseable {

    private final TopologyLog topologyLog;
    private final PartitionStreaming streaming;
    private final ChangeDriver driver;
    private final ExecutorService thread;

    public MembershipTask(TopologyLog topologyLog, PartitionStreaming streaming, ChangeDriver driver, TimeSource time,
            Duration interval, ExecutorService thread) {
        super(time, interval);
        this.topologyLog = topologyLog;
        this.streaming = streaming;
        this.driver = driver;
        this.thread = thread;
    }

    @Override
    protected CompletionStage<?> runOnce() {
        return CompletableFuture.runAsync(() -> {
            streaming.streamIfDue();
            if (topologyLog.leads()) {
                driver.step();
            }
        }, thread);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
