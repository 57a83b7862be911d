package dev.quorumkv.handoff;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.support.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hinted handoff between real nodes: a replica that was stopped while writes went on gets them from the
 * coordinator's hints once it is back, with no client read to repair it. Times are printed, not asserted:
 * the limits below only keep a starved machine from hanging.
 */
class HintedHandoffIntegrationTests {

    private static final int COORDINATOR = 1;
    private static final int RETURNING = 3;
    /** Requests the test keeps in flight: enough to write the backlog quickly, few for two cores. */
    private static final int IN_FLIGHT = 16;

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
    void aReplicaThatMissedWritesAndDeletesConvergesWithoutReads() {
        cluster = TestCluster.of(dir).nodes(3).start();
        cluster.stopNode(RETURNING);

        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            keys.add("missed-" + i);
        }
        inParallel(keys, key -> write(key, "PUT", "value of " + key).thenAccept(version -> acknowledged.put(key, version)));
        Map<String, String> deleted = new ConcurrentHashMap<>();
        inParallel(keys.subList(0, 500), key -> write(key, "DELETE", null).thenAccept(version -> deleted.put(key, version)));
        acknowledged.putAll(deleted);
        assertThat(acknowledged).hasSize(5_000);
        assertThat(pendingHints(COORDINATOR)).as("one hint per key, each delete replacing its key's older hint").isEqualTo(5_000);

        long start = System.nanoTime();
        cluster.startNode(RETURNING);
        Replay replay = awaitReplay(start, 5_000);
        // Printed, not logged: the nodes in this JVM set logging to WARN.
        System.out.printf("Hinted handoff: 5,000 hints (500 of them tombstones) converged on %s %.2f s after its start; "
                + "replayed in %.2f s once delivery began, %.0f keys/s%n", cluster.id(RETURNING), replay.sinceStart(),
                replay.replaying(), 5_000 / replay.replaying());

        for (Map.Entry<String, String> write : acknowledged.entrySet()) {
            Versioned held = heldBy(RETURNING, write.getKey()).orElseThrow(() -> new AssertionError(write.getKey() + " missing"));
            assertThat(held.version().toString()).as(write.getKey()).isEqualTo(write.getValue());
            assertThat(held.isTombstone()).as(write.getKey()).isEqualTo(deleted.containsKey(write.getKey()));
        }
        assertThat(counter(COORDINATOR, "quorumkv_hints_delivered_total")).isEqualTo(5_000);
    }

    @Test
    void hintsSurviveARestartOfTheNodeThatKeepsThem() {
        cluster = TestCluster.of(dir).nodes(3).start();
        cluster.stopNode(RETURNING);
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            keys.add("kept-" + i);
        }
        inParallel(keys, key -> write(key, "PUT", "value of " + key).thenAccept(version -> acknowledged.put(key, version)));

        assertThat(counter(COORDINATOR, "quorumkv_hints_stored_total")).isEqualTo(500);

        cluster.stopNode(COORDINATOR);
        cluster.startNode(COORDINATOR);
        assertThat(pendingHints(COORDINATOR)).as("counted again from the store at start-up").isEqualTo(500);
        String scrape = cluster.get(COORDINATOR, "/actuator/prometheus").body();
        for (String reason : List.of("window", "full", "expired")) {
            assertThat(scrape).contains("quorumkv_hints_dropped_total{reason=\"" + reason + "\"} 0.0");
        }
        assertThat(scrape).contains("quorumkv_hints_pending{peer=\"node2\"} 0.0");

        cluster.startNode(RETURNING);
        awaitReplay(System.nanoTime(), 500);
        acknowledged.forEach((key, version) -> assertThat(heldBy(RETURNING, key)).as(key)
                .hasValueSatisfying(held -> assertThat(held.version().toString()).isEqualTo(version)));
    }

    @Test
    void clientWritesKeepSucceedingWhileABacklogOfHintsReplays() {
        cluster = TestCluster.of(dir).nodes(3).start();
        cluster.stopNode(RETURNING);
        List<String> backlog = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            backlog.add("backlog-" + i);
        }
        inParallel(backlog, key -> write(key, "PUT", "value of " + key).thenAccept(version -> { }));
        assertThat(pendingHints(COORDINATOR)).isEqualTo(20_000);

        cluster.startNode(RETURNING);
        List<Long> latencies = new ArrayList<>();
        int during = 0;
        long firstSeen = 0;
        long pending;
        while ((pending = pendingHints(COORDINATOR)) > 0) {
            if (firstSeen == 0 && pending < 20_000) {
                firstSeen = System.nanoTime();
            }
            for (int i = 0; i < 20; i++) {
                long sent = System.nanoTime();
                // Through the two nodes that stayed up: the returning one coordinates nothing until it has compared clocks.
                cluster.putAcknowledged(1 + during % 2, "during-" + during, "written while hints replay", null);
                latencies.add(System.nanoTime() - sent);
                during++;
            }
        }
        double seconds = (System.nanoTime() - firstSeen) / 1e9;
        Collections.sort(latencies);
        System.out.printf("Hinted handoff: 20,000 hints replayed in %.2f s once delivery began (%.0f keys/s); %d client "
                + "PUTs meanwhile, all acknowledged, p50 %.1f ms, p99 %.1f ms%n", seconds, 20_000 / seconds, during,
                latencies.get(latencies.size() / 2) / 1e6, latencies.get(latencies.size() * 99 / 100) / 1e6);
        assertThat(during).as("client writes went on while hints replayed").isPositive();
        // Writes sent while the returning node was still starting are hinted too.
        assertThat(counter(COORDINATOR, "quorumkv_hints_delivered_total")).isGreaterThanOrEqualTo(20_000);
    }

    private record Replay(double sinceStart, double replaying) {
    }

    /** Waits until the coordinator holds no hint for the returning node; times in seconds. */
    private Replay awaitReplay(long startNanos, long backlog) {
        long[] firstDelivery = {0};
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
            long pending = pendingHints(COORDINATOR);
            if (firstDelivery[0] == 0 && pending < backlog) {
                firstDelivery[0] = System.nanoTime();
            }
            return pending == 0;
        });
        long end = System.nanoTime();
        return new Replay((end - startNanos) / 1e9, (end - firstDelivery[0]) / 1e9);
    }

    /** A PUT or DELETE at W=2 through the coordinator; completes with the acknowledged version, or fails. */
    private CompletableFuture<String> write(String key, String method, String value) {
        HttpRequest request = HttpRequest.newBuilder(cluster.uri(COORDINATOR, "/kv/" + key + "?w=2")).timeout(Duration.ofSeconds(30))
                .method(method, value == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(value))
                .build();
        return cluster.client().sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            if (response.statusCode() != 200) {
                throw new AssertionError(method + " " + key + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.headers().firstValue("X-Version").orElseThrow();
        });
    }

    private static void inParallel(List<String> keys, Function<String, CompletableFuture<Void>> call) {
        Semaphore room = new Semaphore(IN_FLIGHT);
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (String key : keys) {
            room.acquireUninterruptibly();
            calls.add(call.apply(key).whenComplete((done, failure) -> room.release()));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
    }

    /** The node's own copy, from its replica endpoint: no quorum read, so no read repair. */
    private Optional<Versioned> heldBy(int node, String key) {
        HttpResponse<byte[]> response = cluster.sendForBytes(HttpRequest.newBuilder(cluster.uri(node, "/internal/replica/" + key))
                .header("Authorization", "Bearer " + TestCluster.SECRET).GET().build());
        if (response.statusCode() == 204) {
            return Optional.empty();
        }
        assertThat(response.statusCode()).as("node" + node + "'s copy of " + key).isEqualTo(200);
        return Optional.of(VersionedCodec.decode(response.body()));
    }

    private long pendingHints(int node) {
        Matcher pending = Pattern.compile("^quorumkv_hints_pending\\{[^}]*peer=\"" + cluster.id(RETURNING) + "\"[^}]*} (\\S+)$",
                Pattern.MULTILINE).matcher(cluster.get(node, "/actuator/prometheus").body());
        assertThat(pending.find()).as("quorumkv_hints_pending for " + cluster.id(RETURNING)).isTrue();
        return (long) Double.parseDouble(pending.group(1));
    }

    private double counter(int node, String name) {
        return cluster.get(node, "/actuator/prometheus").body().lines().filter(line -> line.startsWith(name + " ")
                        || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
