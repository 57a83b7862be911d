package dev.quorumkv.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.replica.InternalApi;
import dev.quorumkv.replica.ReplicaBatchCodec;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.support.TestCluster;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three real nodes (real HTTP between them, real RocksDB in temp dirs), N=3 W=2 R=2: the DESIGN.md flows,
 * including stopped and restarted nodes. Tests that stop nodes start them again afterwards.
 */
class ClusterIntegrationTests {

    @TempDir
    static Path data;

    static TestCluster cluster;

    @BeforeAll
    static void startCluster() {
        // Generous on purpose: these tests assert outcomes, not latency, and CI machines can be starved.
        // Hints off: read repair is under test, and hints would bring a restarted replica up to date before the read
        // (HintedHandoffIntegrationTests has them).
        cluster = TestCluster.start(data, 3, "--quorumkv.replication.timeout=5s", "--quorumkv.hints.enabled=false");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void everyNodeBackUp() {
        for (int node = 1; node <= 3; node++) {
            cluster.startNode(node);
        }
        cluster.awaitAllPeersUp();
    }

    @Test
    void aValuePutOnOneNodeIsReadOnAnotherByteForByteWithItsContentType() {
        byte[] formBody = "a=1&b=%20two&c".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> put = cluster.send(HttpRequest.newBuilder(uri(1, "/kv/greeting"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(formBody)).build());

        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.headers().firstValue("X-Quorum-Acks")).hasValue("2");
        String version = put.headers().firstValue("X-Version").orElseThrow();
        assertThat(put.body()).contains("\"key\":\"greeting\"", "\"version\":\"" + version + "\"", "\"acks\":2", "\"w\":2", "\"n\":3");

        HttpResponse<byte[]> get = cluster.sendForBytes(HttpRequest.newBuilder(uri(2, "/kv/greeting")).GET().build());

        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(formBody);
        assertThat(get.headers().firstValue("Content-Type")).hasValue("application/x-www-form-urlencoded");
        assertThat(get.headers().firstValue("X-Version")).hasValue(version);
    }

    @Test
    void aDeleteWritesATombstoneWithQuorumAndTheKeyReadsAsNotFound() {
        cluster.put(1, "/kv/doomed", "x");

        HttpResponse<String> delete = cluster.send(HttpRequest.newBuilder(uri(3, "/kv/doomed")).DELETE().build());
        HttpResponse<String> get = cluster.get(2, "/kv/doomed");

        assertThat(delete.statusCode()).isEqualTo(200);
        assertThat(delete.body()).contains("\"acks\":2");
        assertThat(get.statusCode()).isEqualTo(404);
        assertThat(get.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(get.headers().firstValue("X-Version")).hasValue(delete.headers().firstValue("X-Version").orElseThrow());
    }

    @Test
    void withOneNodeStoppedWritesWithW2SucceedAndWithW3Fail() {
        cluster.stopNode(3);

        HttpResponse<String> w2 = cluster.put(1, "/kv/one-down", "v");
        HttpResponse<String> w3 = cluster.put(1, "/kv/one-down-w3?w=3", "v");

        assertThat(w2.statusCode()).isEqualTo(200);
        assertThat(w2.headers().firstValue("X-Quorum-Acks")).hasValue("2");
        assertThat(w3.statusCode()).isEqualTo(503);
        assertThat(w3.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(w3.body()).contains("\"title\":\"Write quorum not reached\"", "\"w\":3", "\"n\":3").containsPattern("\"reason\":\"(failed|unavailable)\"");
        assertThat(cluster.get(2, "/kv/one-down").statusCode()).as("read with R=2 of the two left").isEqualTo(200);
    }

    @Test
    void withTwoNodesStoppedRequestsGetA503RatherThanHanging() {
        cluster.stopNode(2);
        cluster.stopNode(3);

        // The client would give up after 10 s: the node must have answered long before with a clear 503.
        for (int attempt = 0; attempt < 5; attempt++) {
            HttpResponse<String> put = cluster.send(HttpRequest.newBuilder(uri(1, "/kv/two-down"))
                    .timeout(Duration.ofSeconds(10)).PUT(HttpRequest.BodyPublishers.ofString("v")).build());
            assertThat(put.statusCode()).isEqualTo(503);
            assertThat(put.body()).containsPattern("\"reason\":\"(failed|unavailable)\"").contains("\"acks\":");
        }
        HttpResponse<String> get = cluster.send(HttpRequest.newBuilder(uri(1, "/kv/two-down"))
                .timeout(Duration.ofSeconds(10)).GET().build());
        assertThat(get.statusCode()).isEqualTo(503);
        assertThat(get.body()).contains("\"title\":\"Read quorum not reached\"");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cluster.get(1, "/actuator/health").body())
                .contains("\"node2\":\"DOWN\"", "\"node3\":\"DOWN\""));
        assertThat(cluster.put(1, "/kv/two-down", "v").body()).as("known down: fails fast, nothing sent")
                .contains("\"reason\":\"unavailable\"");
    }

    @Test
    void aRestartedNodeHoldsTheDataItAcknowledged() {
        HttpResponse<String> put = cluster.put(1, "/kv/durable?w=3", "kept");
        assertThat(put.statusCode()).isEqualTo(200);

        cluster.stopNode(3);
        cluster.startNode(3);

        Versioned held = replicaCopy(3, "durable");
        assertThat(new String(held.value(), StandardCharsets.UTF_8)).isEqualTo("kept");
        assertThat(held.version().toString()).isEqualTo(put.headers().firstValue("X-Version").orElseThrow());
    }

    @Test
    void aStaleReplicaIsRepairedAfterARead() {
        cluster.stopNode(3);
        HttpResponse<String> put = cluster.put(1, "/kv/repair-me", "fresh");
        assertThat(put.statusCode()).isEqualTo(200);
        cluster.startNode(3);
        cluster.awaitAllPeersUp();
        assertThat(replicaResponse(3, "repair-me").statusCode()).as("node3 missed the write").isEqualTo(204);

        assertThat(cluster.get(2, "/kv/repair-me").body()).isEqualTo("fresh");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(replicaCopy(3, "repair-me").version().toString())
                        .isEqualTo(put.headers().firstValue("X-Version").orElseThrow()));
        assertThat(cluster.get(2, "/actuator/prometheus").body()).containsPattern("quorumkv_read_repairs_total(\\{[^}]*\\})? [1-9]");
    }

    @Test
    void theInternalReplicaApiRefusesCallersWithoutTheSecret() {
        HttpResponse<String> none = cluster.send(HttpRequest.newBuilder(uri(1, "/internal/replica/x")).GET().build());
        HttpResponse<String> wrong = cluster.send(HttpRequest.newBuilder(uri(1, "/internal/replica/x"))
                .header("Authorization", "Bearer not-the-secret").GET().build());
        HttpResponse<String> forgedWrite = cluster.send(HttpRequest.newBuilder(uri(1, "/internal/replica/x"))
                .header("Authorization", "Bearer " + TestCluster.SECRET.substring(1))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3})).build());

        for (HttpResponse<String> refused : new HttpResponse[] {none, wrong, forgedWrite}) {
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(refused.body()).doesNotContain(TestCluster.SECRET);
        }
        assertThat(replicaResponse(1, "x").statusCode()).as("with the secret").isEqualTo(204);
    }

    @Test
    void infoShowsTheQuorumAndHealthShowsPeersAndStorage() {
        String info = cluster.get(1, "/actuator/info").body();
        assertThat(info).contains("\"n\":3", "\"w\":2", "\"r\":2", "\"consistency\":\"strong\"", "\"node1\":\"" + cluster.memberUrl(1) + "\"");

        String health = cluster.get(2, "/actuator/health").body();
        assertThat(health).contains("\"peers\"", "\"node1\":\"UP\"", "\"node3\":\"UP\"", "\"storage\"", "\"engine\":\"rocksdb\"");
        assertThat(cluster.get(2, "/livez").statusCode()).isEqualTo(200);
        assertThat(cluster.get(2, "/readyz").statusCode()).isEqualTo(200);
    }

    /** Under concurrency a coordinator's writes to each peer travel in batches; every one is still held by every replica. */
    @Test
    void concurrentWritesTravelInBatchesAndEveryReplicaHoldsEveryOne() throws Exception {
        double batchesBefore = batchCalls(2);
        ExecutorService clients = Executors.newFixedThreadPool(32);
        try {
            List<Future<HttpResponse<String>>> puts = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String key = "batched-" + i;
                puts.add(clients.submit(() -> cluster.put(1, "/kv/" + key + "?w=3", key)));
            }
            for (Future<HttpResponse<String>> put : puts) {
                assertThat(put.get().statusCode()).as(put.get().body()).isEqualTo(200);
            }
        }
        finally {
            clients.shutdown();
        }
        for (int i = 0; i < 400; i += 37) {
            for (int node = 1; node <= 3; node++) {
                assertThat(new String(replicaCopy(node, "batched-" + i).value(), StandardCharsets.UTF_8)).isEqualTo("batched-" + i);
            }
        }
        assertThat(batchCalls(2) - batchesBefore).as("batched calls node1 made to node2").isPositive().isLessThan(400);
    }

    @Test
    void aMalformedBatchIsRefusedWholeAndStoresNothing() {
        byte[] valid = ReplicaBatchCodec.encode(List.of(
                new KeyedValue("batch-victim", Versioned.value(new Version(System.currentTimeMillis(), 0, "node1"), "text/plain", new byte[] {'x'})),
                new KeyedValue("batch-victim-2", Versioned.tombstone(new Version(System.currentTimeMillis(), 0, "node1")))));
        for (byte[] body : new byte[][] {Arrays.copyOf(valid, valid.length - 1), Arrays.copyOf(valid, valid.length + 3), "garbage".getBytes(StandardCharsets.UTF_8)}) {
            HttpResponse<String> response = cluster.send(HttpRequest.newBuilder(uri(2, "/internal/replica"))
                    .header("Authorization", "Bearer " + TestCluster.SECRET)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.body()).contains("\"title\":\"Malformed replica request\"");
        }
        assertThat(replicaResponse(2, "batch-victim").statusCode()).isEqualTo(204);
        assertThat(replicaResponse(2, "batch-victim-2").statusCode()).isEqualTo(204);
    }

    /** Under concurrency a coordinator's reads from each peer travel in batches; every reader gets its own key's value. */
    @Test
    void concurrentReadsTravelInBatchesAndEachGetsItsOwnValue() throws Exception {
        for (int i = 0; i < 200; i++) {
            assertThat(cluster.put(1, "/kv/read-batched-" + i + "?w=3", "value-" + i).statusCode()).isEqualTo(200);
        }
        double batchesBefore = readBatchCalls(2);
        ExecutorService clients = Executors.newFixedThreadPool(32);
        try {
            List<Future<HttpResponse<String>>> gets = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String key = "read-batched-" + (i % 200);
                gets.add(clients.submit(() -> cluster.get(1, "/kv/" + key + "?r=3")));
            }
            for (int i = 0; i < gets.size(); i++) {
                HttpResponse<String> get = gets.get(i).get();
                assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
                assertThat(get.body()).isEqualTo("value-" + (i % 200));
            }
        }
        finally {
            clients.shutdown();
        }
        assertThat(readBatchCalls(2) - batchesBefore).as("batched reads node1 made of node2").isPositive().isLessThan(400);
    }

    /** Each node ran its peer call path against itself before it reported ready, and that stored nothing. */
    @Test
    void theStartUpWarmUpLeavesNothingStored() {
        for (int node = 1; node <= 3; node++) {
            assertThat(readBatchCalls(node)).as("node%d's warm-up ran its batched reads", node).isGreaterThanOrEqualTo(20);
            assertThat(replicaResponse(node, "quorumkv-warm-up").statusCode()).isEqualTo(204);
        }
        assertThat(replicaResponse(2, "batch%2Fread").statusCode())
                .as("a key that looks like the batch path is a key like any other").isEqualTo(204);
    }

    /** A replica bounds a batched read's answer: it covers the first keys (at least one) and the caller asks for the rest. */
    @Test
    void aBatchedReadOfLargeValuesIsAnsweredInPartsThatTogetherCoverEveryKey() {
        byte[] large = new byte[700 * 1024];
        Arrays.fill(large, (byte) 'L');
        List<String> keys = List.of("large-1", "large-2", "large-3");
        for (String key : keys) {
            assertThat(cluster.send(HttpRequest.newBuilder(uri(1, "/kv/" + key + "?w=3"))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(large)).build()).statusCode()).isEqualTo(200);
        }

        HttpResponse<byte[]> first = readBatch(2, keys);
        assertThat(first.statusCode()).isEqualTo(200);
        List<Optional<Versioned>> firstPart = ReplicaBatchCodec.decodeReadAnswers(first.body(), 3);
        assertThat(firstPart).as("two 700 KiB values are over the answer's budget").hasSize(1);
        List<Optional<Versioned>> rest = ReplicaBatchCodec.decodeReadAnswers(readBatch(2, keys.subList(1, 3)).body(), 2);
        assertThat(rest).hasSize(1);

        assertThat(firstPart.get(0).orElseThrow().value()).isEqualTo(large);
        assertThat(rest.get(0).orElseThrow().value()).isEqualTo(large);
        assertThat(cluster.get(3, "/kv/large-3?r=3").body()).hasSize(large.length);
    }

    @Test
    void aMalformedReadBatchIsRefusedWithAProblemAndWithoutTheSecretUnauthorized() {
        byte[] valid = ReplicaBatchCodec.encodeReads(List.of("a", "b"));
        for (byte[] body : new byte[][] {Arrays.copyOf(valid, valid.length - 1), Arrays.copyOf(valid, valid.length + 3), new byte[0]}) {
            HttpResponse<String> response = cluster.send(HttpRequest.newBuilder(uri(2, "/internal/replica/batch/read"))
                    .header("Authorization", "Bearer " + TestCluster.SECRET)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.body()).contains("\"title\":\"Malformed replica request\"");
        }
        HttpResponse<String> unauthorized = cluster.send(HttpRequest.newBuilder(uri(2, "/internal/replica/batch/read"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(valid)).build());
        assertThat(unauthorized.statusCode()).isEqualTo(401);
    }

    /**
     * A peer that routed a write with a topology two epochs behind this node's (paused meanwhile) is refused and
     * nothing is stored; one epoch behind is served. Every internal answer names the node's epoch.
     */
    @Test
    void aReplicaWriteRoutedWithAStaleTopologyIsRefusedAndNothingIsStored() {
        HttpResponse<byte[]> probe = routedAt(null, "GET", "stale-epoch-write", null);
        long own = Long.parseLong(probe.headers().firstValue(InternalApi.EPOCH).orElseThrow());
        assertThat(own).as("epoch 1 and one claim per member").isGreaterThanOrEqualTo(4);
        byte[] body = VersionedCodec.encode(Versioned.value(new Version(System.currentTimeMillis(), 0, "node2"), "text/plain",
                "late".getBytes(StandardCharsets.UTF_8)));

        HttpResponse<byte[]> stale = routedAt(own - 2, "POST", "stale-epoch-write", body);

        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(stale.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).contains("problem+json"));
        assertThat(new String(stale.body(), StandardCharsets.UTF_8)).contains("Stale topology", "epoch " + (own - 2), "epoch " + own);
        assertThat(stale.headers().firstValue(InternalApi.EPOCH)).hasValue(Long.toString(own));
        assertThat(routedAt(own - 2, "GET", "stale-epoch-write", null).statusCode()).as("a stale read").isEqualTo(409);
        assertThat(routedAt(null, "GET", "stale-epoch-write", null).statusCode()).as("nothing stored").isEqualTo(204);

        assertThat(routedAt(own - 1, "POST", "stale-epoch-write", body).statusCode()).as("one epoch behind").isEqualTo(204);
        assertThat(routedAt(own + 1, "GET", "stale-epoch-write", null).statusCode()).as("a newer sender").isEqualTo(200);
    }

    /** A replica call to node1 with the secret, naming {@code epoch} unless null. */
    private static HttpResponse<byte[]> routedAt(Long epoch, String method, String key, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(1, "/internal/replica/" + key))
                .header("Authorization", "Bearer " + TestCluster.SECRET)
                .header("Content-Type", "application/octet-stream")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (epoch != null) {
            request.header(InternalApi.EPOCH, epoch.toString());
        }
        return cluster.sendForBytes(request.build());
    }

    private static HttpResponse<byte[]> readBatch(int node, List<String> keys) {
        return cluster.sendForBytes(HttpRequest.newBuilder(uri(node, "/internal/replica/batch/read"))
                .header("Authorization", "Bearer " + TestCluster.SECRET)
                .POST(HttpRequest.BodyPublishers.ofByteArray(ReplicaBatchCodec.encodeReads(keys))).build());
    }

    /** How many POST /internal/replica (batch) calls this node has served, from Boot's HTTP server metrics. */
    private static double batchCalls(int node) {
        return postsServed(node, "/internal/replica");
    }

    private static double readBatchCalls(int node) {
        return postsServed(node, "/internal/replica/batch/read");
    }

    private static double postsServed(int node, String uri) {
        return cluster.get(node, "/actuator/prometheus").body().lines()
                .filter(line -> line.startsWith("http_server_requests_seconds_count{") && line.contains("method=\"POST\"")
                        && line.contains("uri=\"" + uri + "\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /**
     * Each bad input gets a 4xx problem with a title, never a 5xx, and leaves the stored value as it was. A body
     * over the limit (413) is not among them: the node answers it and closes before reading the body, which
     * this HTTP client may see as a reset while still sending; PublicApiHostileInputIntegrationTests reads
     * that answer over a raw socket.
     */
    @Test
    void badInputIsRefusedWithA4xxProblemAndChangesNothing() {
        HttpResponse<String> original = cluster.put(1, "/kv/guarded", "original");
        String version = original.headers().firstValue("X-Version").orElseThrow();
        String farFuture = (System.currentTimeMillis() + 3_600_000) + ".0.node1";
        record Bad(String method, String path, String header, String value, byte[] body, int status) {
        }
        byte[] small = "changed".getBytes(StandardCharsets.UTF_8);
        Bad[] table = {
                new Bad("PUT", "/kv/guarded?w=0", null, null, small, 400),
                new Bad("PUT", "/kv/guarded?w=4", null, null, small, 400),
                new Bad("PUT", "/kv/guarded?w=two", null, null, small, 400),
                new Bad("PUT", "/kv/guarded?w=", null, null, small, 400),
                new Bad("PUT", "/kv/guarded", "X-Context", "not-a-version", small, 400),
                new Bad("PUT", "/kv/guarded", "X-Context", farFuture, small, 400),
                new Bad("PUT", "/kv/guarded", "Content-Type", "not a media type", small, 400),
                new Bad("PUT", "/kv/" + "k".repeat(513), null, null, small, 400),
                new Bad("PUT", "/kv/", null, null, small, 400),
                new Bad("DELETE", "/kv/guarded?w=9", null, null, null, 400),
                new Bad("DELETE", "/kv/guarded", "X-Context", "1.2", null, 400),
                new Bad("GET", "/kv/guarded?r=0", null, null, null, 400),
                new Bad("GET", "/kv/guarded?r=x", null, null, null, 400),
                new Bad("PATCH", "/kv/guarded", null, null, small, 405),
        };
        double invalidBefore = counter(1, "quorumkv_writes_total", "invalid");
        for (Bad bad : table) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri(1, bad.path())).method(bad.method(),
                    bad.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(bad.body()));
            if (bad.header() != null) {
                request.header(bad.header(), bad.value());
            }
            HttpResponse<String> response = cluster.send(request.build());
            assertThat(response.statusCode()).as("%s %s", bad.method(), bad.path()).isEqualTo(bad.status());
            assertThat(response.headers().firstValue("Content-Type")).as("%s %s", bad.method(), bad.path())
                    .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
            assertThat(response.body()).as("%s %s", bad.method(), bad.path()).contains("\"title\":");
        }
        HttpResponse<String> after = cluster.get(2, "/kv/guarded?r=3");
        assertThat(after.body()).isEqualTo("original");
        assertThat(after.headers().firstValue("X-Version")).hasValue(version);
        assertThat(counter(1, "quorumkv_writes_total", "invalid") - invalidBefore).isGreaterThanOrEqualTo(11);
    }

    /** Every meter DESIGN.md names is exposed, with its tags, before any failure has happened. */
    @Test
    void everyMeterOfTheDesignIsExposedForPrometheus() {
        cluster.put(1, "/kv/metered", "v");
        cluster.get(1, "/kv/metered");

        String scrape = cluster.get(1, "/actuator/prometheus").body();

        for (String outcome : new String[] {"success", "failed", "timeout", "unavailable", "overloaded", "invalid"}) {
            assertThat(scrape).contains("quorumkv_writes_total{outcome=\"" + outcome + "\"}");
            assertThat(scrape).contains("quorumkv_write_latency_seconds_bucket{outcome=\"" + outcome + "\",le=");
        }
        for (String outcome : new String[] {"success", "not_found", "failed", "timeout", "unavailable", "overloaded", "invalid"}) {
            assertThat(scrape).contains("quorumkv_reads_total{outcome=\"" + outcome + "\"}");
        }
        assertThat(scrape).contains("quorumkv_write_acks_count", "quorumkv_write_acks_sum", "quorumkv_write_acks_bucket{le=\"2.0\"}",
                "quorumkv_write_under_replicated_total", "quorumkv_read_latency_seconds_bucket",
                "quorumkv_read_repairs_total", "quorumkv_replica_latency_seconds_count{op=\"write\",peer=\"node2\"}");
        for (String outcome : new String[] {"ack", "error", "timeout", "rejected"}) {
            assertThat(scrape).contains("quorumkv_replica_requests_total{op=\"write\",outcome=\"" + outcome + "\",peer=\"node3\"}");
            assertThat(scrape).contains("quorumkv_replica_requests_total{op=\"read\",outcome=\"" + outcome + "\",peer=\"node1\"}");
        }
        designMeterNames().forEach(meter -> assertThat(scrape).as("DESIGN.md meter %s", meter).contains(meter.replace('.', '_')));
    }

    /** The client API is measured by the quorum meters alone; the generic HTTP timer keeps the rest (cost, KvRequestObservations). */
    @Test
    void kvRequestsAreCountedByTheQuorumMetersNotTheGenericHttpTimer() {
        double successBefore = counter(1, "quorumkv_writes_total", "success");
        cluster.put(1, "/kv/not-http-timed", "v");

        String scrape = cluster.get(1, "/actuator/prometheus").body();
        assertThat(counter(1, "quorumkv_writes_total", "success") - successBefore).isEqualTo(1);
        assertThat(scrape.lines().filter(line -> line.startsWith("http_server_requests_seconds_count{")))
                .as("http.server.requests series").isNotEmpty()
                .noneMatch(line -> line.contains("uri=\"/kv"))
                .anyMatch(line -> line.contains("uri=\"/actuator/prometheus\""));
    }

    /**
     * The meter names in DESIGN.md's metrics table. The contract is checked out beside the project (as CI
     * does); without it this test fails rather than pass having checked nothing.
     */
    private static List<String> designMeterNames() {
        Path design = Path.of("..", "shared", "DESIGN.md");
        assertThat(design).as("the contract ../shared/DESIGN.md, checked out beside the project").exists();
        try {
            String text = Files.readString(design);
            String metrics = text.substring(text.indexOf("## Metrics"));
            metrics = metrics.substring(0, metrics.indexOf("\n## ", 1) < 0 ? metrics.length() : metrics.indexOf("\n## ", 1));
            List<String> names = Pattern.compile("^\\| `(quorumkv\\.[a-z_.]+)`", Pattern.MULTILINE)
                    .matcher(metrics).results().map(match -> match.group(1)).toList();
            assertThat(names).as("meters found in DESIGN.md").hasSizeGreaterThanOrEqualTo(9);
            return names;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static double counter(int node, String name, String outcome) {
        String line = cluster.get(node, "/actuator/prometheus").body().lines()
                .filter(candidate -> candidate.startsWith(name + "{outcome=\"" + outcome + "\"}"))
                .findFirst().orElseThrow();
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    private static URI uri(int node, String path) {
        return URI.create(cluster.url(node) + path);
    }

    private static HttpResponse<byte[]> replicaResponse(int node, String key) {
        return cluster.sendForBytes(HttpRequest.newBuilder(uri(node, "/internal/replica/" + key))
                .header("Authorization", "Bearer " + TestCluster.SECRET).GET().build());
    }

    /** What one node's own store holds for the key, read through the internal API. */
    private static Versioned replicaCopy(int node, String key) {
        HttpResponse<byte[]> response = replicaResponse(node, key);
        assertThat(response.statusCode()).as("node%d holds %s", node, key).isEqualTo(200);
        return VersionedCodec.decode(Arrays.copyOf(response.body(), response.body().length));
    }
}
