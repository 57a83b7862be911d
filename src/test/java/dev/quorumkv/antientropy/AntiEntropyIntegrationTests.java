package dev.quorumkv.antientropy;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.support.Directories;
import dev.quorumkv.support.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real nodes converge without a single client read: a node that missed writes and deletes, and a node whose
 * data directory was wiped, reach every acknowledged version through anti-entropy alone, checked on the
 * replica itself through {@code GET /internal/replica/{key}}. Convergence time is logged, not asserted.
 */
class AntiEntropyIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(AntiEntropyIntegrationTests.class);
    private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"");

    @TempDir
    Path dir;

    private TestCluster cluster;

    @AfterEach
    void stopWhatWeStarted() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aReplicaThatMissedWritesAndDeletesConvergesWithoutReadsAfterARepair() throws Exception {
        // Hints off: anti-entropy alone must bring the replica back (HintedHandoffIntegrationTests has hints alone).
        cluster = TestCluster.of(dir).nodes(3).arguments("--quorumkv.replication.timeout=5s", "--quorumkv.hints.enabled=false").start();
        cluster.stopNode(3);
        Map<String, String> acknowledged = writeAndDelete(5_000, 500);
        cluster.startAll();

        long started = System.nanoTime();
        HttpResponse<String> repair = repair(3);
        long millis = (System.nanoTime() - started) / 1_000_000;

        assertThat(repair.statusCode()).as(repair.body()).isEqualTo(200);
        assertThat(repair.body()).contains("\"partitions\":1024").contains("\"keysRepaired\":5000");
        log.info("POST /admin/repair on the returned node: {} in {} ms, {} keys repaired/s", repair.body(), millis,
                5_000 * 1000 / Math.max(1, millis));
        assertThat(differingKeys(3, acknowledged)).isEmpty();
    }

    @Test
    void aNodeWhoseDataDirectoryWasWipedAnswersQuorumReadsMeanwhileAndRefillsOnItsOwn() throws Exception {
        cluster = TestCluster.of(dir).nodes(3)
                .arguments("--quorumkv.replication.timeout=5s", "--quorumkv.anti-entropy.interval=2s").start();
        Map<String, String> acknowledged = writeAndDelete(2_000, 200);
        cluster.stopNode(2);
        Directories.deleteRecursively(dir.resolve(cluster.id(2)));
        cluster.startNode(2);
        long started = System.nanoTime();

        // Meanwhile, quorum reads through the wiped node answer from the replicas that still hold the keys.
        for (int i = 0; i < 2_000; i += 10) {
            HttpResponse<String> read = cluster.get(2, "/kv/aae-" + i + "?r=2");
            assertThat(read.statusCode()).as("aae-%d", i).isEqualTo(i < 200 ? 404 : 200);
            assertThat(read.headers().firstValue("X-Version")).as("aae-%d", i).hasValue(acknowledged.get("aae-" + i));
        }
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> differingKeys(2, acknowledged).isEmpty());
        long millis = (System.nanoTime() - started) / 1_000_000;
        log.info("A wiped node held all {} keys again {} ms after its start ({} keys/s, including the start itself)",
                acknowledged.size(), millis, acknowledged.size() * 1000L / Math.max(1, millis));
    }

    @Test
    void aDeleteNeverComesBackAndANodeAwayPastGcGraceServesNoReadsUntilItsFirstRound() {
        cluster = TestCluster.of(dir).nodes(3)
                .arguments("--quorumkv.replication.timeout=5s", "--quorumkv.tombstones.gc-grace=2s").start();
        cluster.putAcknowledged(1, "kept", "kept", null);
        cluster.putAcknowledged(1, "deleted", "soon deleted", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> internalGet(3, "deleted").statusCode() == 200);
        cluster.stopNode(3);
        assertThat(cluster.send(HttpRequest.newBuilder(cluster.uri(1, "/kv/deleted")).DELETE().build()).statusCode()).isEqualTo(200);
        // Away past gc-grace: 2 s, plus the second the clock mark is kept ahead of the last version.
        await().pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> true);

        assertThat(repair(1).statusCode()).as("a round with an owner down is not complete").isEqualTo(503);
        assertThat(internalGet(1, "deleted").statusCode()).as("no purge before every owner has the delete").isEqualTo(200);

        cluster.startAll();
        HttpResponse<byte[]> fenced = internalGet(3, "kept");
        assertThat(fenced.statusCode()).isEqualTo(503);
        assertThat(fenced.headers().firstValue("X-Quorumkv-Overloaded")).isPresent();
        assertThat(cluster.get(3, "/actuator/health").body()).contains("\"readFence\":\"closed");
        assertThat(repair(3).statusCode()).isEqualTo(200);
        assertThat(cluster.get(3, "/actuator/health").body()).contains("\"readFence\":\"open\"", "\"lastRound\":\"complete\"");
        assertThat(internalGet(3, "kept").statusCode()).isEqualTo(200);
        // The round copied it the delete, and having completed with every owner, purged it at once.
        assertThat(internalGet(3, "deleted").statusCode()).isEqualTo(204);

        for (int node = 1; node <= 3; node++) {
            assertThat(repair(node).statusCode()).isEqualTo(200);
        }
        for (int node = 1; node <= 3; node++) {
            assertThat(internalGet(node, "deleted").statusCode()).as("purged on node %d", node).isEqualTo(204);
            assertThat(cluster.get(node, "/kv/deleted").statusCode()).isEqualTo(404);
            assertThat(cluster.get(node, "/kv/kept").statusCode()).isEqualTo(200);
        }
        assertThat(cluster.get(1, "/actuator/prometheus").body())
                .containsPattern("quorumkv_tombstones_purged_total [1-9]")
                .contains("quorumkv_anti_entropy_rounds_total{outcome=\"complete\"}")
                .contains("quorumkv_anti_entropy_keys_repaired_total");
    }

    private HttpResponse<String> repair(int node) {
        return cluster.send(HttpRequest.newBuilder(cluster.uri(node, "/admin/repair"))
                .header("Authorization", "Bearer " + TestCluster.SECRET)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private HttpResponse<byte[]> internalGet(int node, String key) {
        return cluster.sendForBytes(HttpRequest.newBuilder(cluster.uri(node, "/internal/replica/" + URLEncoder.encode(key, StandardCharsets.UTF_8)))
                .header("Authorization", "Bearer " + TestCluster.SECRET).GET().build());
    }

    /**
     * Writes {@code keys} keys at W=2 and then deletes the first {@code deletes} of them.
     *
     * @return each key's acknowledged version, the delete's for deleted keys
     */
    private Map<String, String> writeAndDelete(int keys, int deletes) throws Exception {
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                String key = "aae-" + i;
                int through = 1 + i % 2;
                writes.add(clients.submit(() -> acknowledged.put(key, version(cluster.putAcknowledged(through, key, "value of " + key, null)))));
            }
            for (Future<?> write : writes) {
                write.get();
            }
            List<Future<?>> removals = new ArrayList<>();
            for (int i = 0; i < deletes; i++) {
                String key = "aae-" + i;
                removals.add(clients.submit(() -> {
                    HttpResponse<String> delete = cluster.send(HttpRequest.newBuilder(cluster.uri(1, "/kv/" + key)).DELETE().build());
                    assertThat(delete.statusCode()).as(delete.body()).isEqualTo(200);
                    acknowledged.put(key, version(delete));
                }));
            }
            for (Future<?> removal : removals) {
                removal.get();
            }
        }
        finally {
            clients.shutdown();
        }
        return acknowledged;
    }

    private static String version(HttpResponse<String> answer) {
        Matcher matcher = VERSION.matcher(answer.body());
        assertThat(matcher.find()).as(answer.body()).isTrue();
        return matcher.group(1);
    }

    /** The keys the node's own replica does not hold at their acknowledged version (or newer). */
    private List<String> differingKeys(int node, Map<String, String> acknowledged) {
        List<String> differing = new ArrayList<>();
        acknowledged.forEach((key, version) -> {
            HttpResponse<byte[]> held = internalGet(node, key);
            Versioned versioned = held.statusCode() == 200 ? VersionedCodec.decode(held.body()) : null;
            if (versioned == null || !versioned.version().toString().equals(version)) {
                differing.add(key);
            }
        });
        return differing;
    }
}
