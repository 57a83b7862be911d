package dev.quorumkv.replica;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.ReplicaClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;

/**
 * Once the HTTP server listens, and before the node reports ready, runs the peer-call path a few times over
 * loopback against this node itself: reads of a key nobody writes, single and batched, so nothing is stored.
 * Measured: a fresh node's first client request took 0.5 s even on an idle machine (the HTTP client's event
 * loops and connection pool, the internal endpoints, their classes all start on first use); under load on a
 * busy machine that first use outlasts the 1 s quorum timeout, and a cluster answered 503 in its first
 * second. The warm-up is best effort: a failure is logged and the node starts anyway.
 */
class PeerPathWarmUp implements ApplicationListener<WebServerInitializedEvent> {

    private static final Logger log = LoggerFactory.getLogger(PeerPathWarmUp.class);

    static final String KEY = "quorumkv-warm-up";
    private static final int ROUNDS = 20;
    private static final Duration CALL_LIMIT = Duration.ofSeconds(5);

    private final Cluster cluster;
    private final BatchTransport http;
    private final String address;

    /** @param address the address the server binds to, or null for all (then loopback reaches it) */
    PeerPathWarmUp(Cluster cluster, BatchTransport http, String address) {
        this.cluster = cluster;
        this.http = http;
        this.address = address == null || address.isBlank() || address.equals("0.0.0.0") ? "127.0.0.1" : address;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        if (event.getApplicationContext().getServerNamespace() != null || cluster.peers().isEmpty()) {
            return; // a management server, or a single node that never calls a peer
        }
        warmUp(event.getWebServer().getPort());
    }

    /** Never throws: the node starts whatever happens here. */
    void warmUp(int port) {
        Member self = new Member(cluster.self().id(), URI.create("http://" + hostPart() + ":" + port));
        long start = System.nanoTime();
        try {
            for (int round = 0; round < ROUNDS; round++) {
                http.read(self, KEY).get(CALL_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                http.readBatch(self, List.of(KEY, KEY), ReplicaClient.NO_EPOCH).get(CALL_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            log.info("Peer call path warmed up in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        catch (Exception ex) {
            log.info("Peer call path warm-up skipped after {} ms: {}", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), ex.toString());
        }
    }

    private String hostPart() {
        return address.contains(":") ? "[" + address + "]" : address;
    }
}
