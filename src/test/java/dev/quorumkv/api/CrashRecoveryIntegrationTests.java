package dev.quorumkv.api;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import dev.quorumkv.support.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three nodes as separate JVMs from the built jar, killed with SIGKILL (no shutdown hook, no flush, as a
 * crash) all at once after a stream of acknowledged writes: every acknowledged write must be readable once
 * they are back, because a replica acks only after the write is in its write-ahead log.
 */
class CrashRecoveryIntegrationTests {

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
    void everyAcknowledgedWriteSurvivesAKillDashNineOfAllNodes() {
        // Outcomes, not latency, are under test: a generous deadline keeps a starved CI machine from failing it.
        cluster = TestCluster.of(dir).nodes(3).separateProcesses().arguments("--quorumkv.replication.timeout=5s").start();
        Random random = new Random(7);
        Map<String, String> acknowledged = new LinkedHashMap<>();
        for (int i = 0; i < 300; i++) {
            String key = "crash-" + i;
            String value = "value-" + i + "-" + random.nextInt(1_000_000);
            HttpResponse<String> put = cluster.send(HttpRequest.newBuilder(cluster.uri(1 + random.nextInt(3), "/kv/" + key))
                    .PUT(HttpRequest.BodyPublishers.ofString(value)).build());
            if (put.statusCode() == 200) {
                acknowledged.put(key, value);
            }
        }
        assertThat(acknowledged).hasSizeGreaterThan(290);

        for (int node = 1; node <= 3; node++) {
            cluster.kill(node);
        }
        cluster.startAll();

        for (Map.Entry<String, String> write : acknowledged.entrySet()) {
            // A 503 (a replica slow to answer right after start-up) is unavailability, not loss: ask again.
            // Only a 200 with the acknowledged value passes; a 404 or another value fails at once.
            HttpResponse<String> get = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.get(1 + random.nextInt(3), "/kv/" + write.getKey()), response -> response.statusCode() != 503);
            assertThat(get.statusCode()).as(write.getKey()).isEqualTo(200);
            assertThat(get.body()).as(write.getKey()).isEqualTo(write.getValue());
        }
    }
}
