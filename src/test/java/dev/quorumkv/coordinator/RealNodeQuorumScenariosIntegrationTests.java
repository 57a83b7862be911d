package dev.quorumkv.coordinator;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.support.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quorum scenarios on three real nodes: real HTTP between them and to the client, real RocksDB, each
 * node's peers reaching it through a fault proxy that can hold its replica; stopped, killed and restarted
 * nodes are real Spring contexts going down and up on their own data. The nodes read speculatively (R replicas
 * asked, one more when one is slow or fails), so the scenarios hold for both ways of reading.
 */
class RealNodeQuorumScenariosIntegrationTests extends QuorumScenarios {

    /** Long enough that a starved CI machine does not time out a healthy replica; the timeout scenario waits it. */
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final Pattern REASON = Pattern.compile("\"reason\":\"(\\w+)\"");

    @TempDir
    static Path data;

    private static TestCluster cluster;
    private static RealNetwork network;

    @BeforeAll
    static void startCluster() {
        cluster = TestCluster.of(data).clockOffsets(QuorumNetwork.SKEW, Duration.ZERO, QuorumNetwork.SKEW.negated())
                .arguments("--quorumkv.replication.timeout=" + TIMEOUT.toMillis() + "ms",
                        "--quorumkv.clock.max-offset=1m", // skewed on purpose: every node coordinates
                        // The in-memory network keeps no hints either: a replica that missed a write stays stale until read.
                        "--quorumkv.hints.enabled=false",
                        // Reads ask R replicas and speculate, on real timers; the in-memory network asks all N.
                        "--quorumkv.read.speculative-delay=100ms").start();
        network = new RealNetwork(cluster);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected QuorumNetwork network() {
        return network;
    }

    /** The scenarios' calls as HTTP requests to the client API, and a node's own store read through the internal API. */
    private record RealNetwork(TestCluster cluster) implements QuorumNetwork {

        @Override
        public CompletableFuture<Answer> put(int coordinator, String key, String value, Integer w, String context) {
            HttpRequest.Builder request = request(coordinator, key, "w", w).PUT(HttpRequest.BodyPublishers.ofString(value));
            if (context != null) {
                request.header("X-Context", context);
            }
            return send(request);
        }

        @Override
        public CompletableFuture<Answer> delete(int coordinator, String key, Integer w) {
            return send(request(coordinator, key, "w", w).DELETE());
        }

        @Override
        public CompletableFuture<Answer> get(int coordinator, String key, Integer r) {
            return send(request(coordinator, key, "r", r).GET());
        }

        @Override
        public Optional<Stored> stored(int node, String key) {
            HttpResponse<byte[]> response = cluster.sendForBytes(HttpRequest.newBuilder(cluster.uri(node, "/internal/replica/" + key))
                    .header("Authorization", "Bearer " + TestCluster.SECRET).GET().build());
            if (response.statusCode() == 204) {
                return Optional.empty();
            }
            if (response.statusCode() != 200) {
                throw new AssertionError("node" + node + " answered " + response.statusCode() + " for its copy of " + key);
            }
            Versioned held = VersionedCodec.decode(response.body());
            return Optional.of(new Stored(held.version().toString(), held.isTombstone() ? null : new String(held.value())));
        }

        @Override
        public void stop(int node) {
            cluster.stopNode(node);
        }

        @Override
        public void kill(int node) {
            cluster.kill(node);
        }

        @Override
        public void restart(int node) {
            cluster.startNode(node);
            cluster.awaitAllPeersUp();
        }

        @Override
        public void hold(int node) {
            cluster.hold(node);
        }

        @Override
        public void release(int node) {
            cluster.release(node);
        }

        /** Real time passes while the test waits for the answer. */
        @Override
        public void elapse(Duration time) {
        }

        @Override
        public Duration timeout() {
            return TIMEOUT;
        }

        @Override
        public void healAll() {
            for (int node = 1; node <= cluster.size(); node++) {
                cluster.release(node);
            }
            cluster.startAll();
        }

        private HttpRequest.Builder request(int coordinator, String key, String quorumName, Integer quorum) {
            String query = quorum == null ? "" : "?" + quorumName + "=" + quorum;
            return HttpRequest.newBuilder(cluster.uri(coordinator, "/kv/" + key + query)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "text/plain");
        }

        private CompletableFuture<Answer> send(HttpRequest.Builder request) {
            return cluster.client().sendAsync(request.build(), BodyHandlers.ofString()).thenApply(response -> {
                Matcher reason = REASON.matcher(response.body());
                return new Answer(response.statusCode(), response.headers().firstValue("X-Version").orElse(null),
                        response.headers().firstValue("X-Quorum-Acks").map(Integer::parseInt).orElse(0),
                        response.statusCode() == 200 ? response.body() : null,
                        response.statusCode() == 503 && reason.find() ? reason.group(1) : null);
            });
        }
    }
}
