package dev.quorumkv.coordinator;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import dev.quorumkv.cluster.ClockOffsets;
import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.FailureDetector;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.time.PeriodicTask;
import dev.quorumkv.time.TimeSource;

/**
 * Probes every peer the failure detector has marked down, every {@code interval}, until it answers ready:
 * requests then use it again without any of them paying for the attempt. Peers that are up are probed too
 * when no call has measured their clock offset for a while, so a node with no traffic still knows whether
 * its clock can be trusted. One probe per peer at a time. Runs from start to stop of the application context.
 */
class PeerProber extends PeriodicTask {

    private final Cluster cluster;
    private final FailureDetector failureDetector;
    private final Predicate<Member> needsClockSample;
    private final ReplicaClient client;
    private final Set<Member> probing = ConcurrentHashMap.newKeySet();

    /** @param needsClockSample whether a peer that is up should be probed for a clock sample ({@link ClockOffsets#needsSample}) */
    PeerProber(Cluster cluster, FailureDetector failureDetector, Predicate<Member> needsClockSample, ReplicaClient client,
            TimeSource time, Duration interval) {
        super(time, interval);
        this.cluster = cluster;
        this.failureDetector = failureDetector;
        this.needsClockSample = needsClockSample;
        this.client = client;
    }

    @Override
    protected CompletionStage<?> runOnce() {
        probePeers();
        return CompletableFuture.completedFuture(null);
    }

    void probePeers() {
        for (Member peer : cluster.peers()) {
            boolean down = !failureDetector.isUp(peer);
            if ((down || needsClockSample.test(peer)) && probing.add(peer)) {
                probe(peer).whenComplete((ok, failure) -> {
                    probing.remove(peer);
                    if (failure == null && down) {
                        failureDetector.recordSuccess(peer);
                    }
                });
            }
        }
    }

    /** Never throws: the next round must still be scheduled. */
    private CompletableFuture<Void> probe(Member peer) {
        try {
            return client.probe(peer);
        }
        catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }
}
