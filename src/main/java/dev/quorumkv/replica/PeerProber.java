package dev.quorumkv.replica;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.FailureDetector;
import dev.quorumkv.cluster.Member;

/**
 * Probes every peer the failure detector has marked down, at a fixed interval, until it answers ready:
 * requests then use it again without any of them paying for the attempt. One probe per peer at a time.
 */
class PeerProber implements AutoCloseable {

    private final Cluster cluster;
    private final FailureDetector failureDetector;
    private final ReplicaClient client;
    private final Set<Member> probing = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "quorumkv-peer-prober");
        thread.setDaemon(true);
        return thread;
    });

    PeerProber(Cluster cluster, FailureDetector failureDetector, ReplicaClient client, Duration interval) {
        this.cluster = cluster;
        this.failureDetector = failureDetector;
        this.client = client;
        long millis = Math.max(1, interval.toMillis());
        scheduler.scheduleWithFixedDelay(this::probeDownPeers, millis, millis, TimeUnit.MILLISECONDS);
    }

    void probeDownPeers() {
        for (Member peer : cluster.peers()) {
            if (!failureDetector.isUp(peer) && probing.add(peer)) {
                probe(peer).whenComplete((ok, failure) -> {
                    probing.remove(peer);
                    if (failure == null) {
                        failureDetector.recordSuccess(peer);
                    }
                });
            }
        }
    }

    /** Never throws: an exception escaping a scheduled task would silently stop all later probes. */
    private CompletableFuture<Void> probe(Member peer) {
        try {
            return client.probe(peer);
        }
        catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
