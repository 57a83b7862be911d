package dev.quorumkv.coordinator;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;
import dev.quorumkv.support.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.quorumkv.support.JsonAnswers.json;
import static dev.quorumkv.support.JsonAnswers.list;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sloppy quorum between five real nodes, N=3 W=2, coordinated by node1, which owns none of the keys
 * below: with two of a key's owners stopped, a strict write is unavailable and a sloppy one is acknowledged
 * by the owner left and a stand-in; once the owners are back, both get the write without a client read.
 */
class SloppyQuorumIntegrationTests {

    private static final int COORDINATOR = 1;

    @TempDir
    static Path data;

    private static TestCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = TestCluster.start(data, 5);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Test
    void aStrictAnswerIsUnchangedAndASloppyValueOtherThanTrueOrFalseIsRefused() {
        String key = keyOwnedBy("node5", "node1", "node2", "answers");

        assertThat(json(cluster.putAcknowledged(COORDINATOR, key, "strict", null))).doesNotContainKeys("sloppy", "hinted");
        assertThat(json(write("PUT", key + "?sloppy=false"))).doesNotContainKeys("sloppy", "hinted");
        assertThat(json(write("PUT", key + "?sloppy=true"))).containsEntry("sloppy", true).containsEntry("hinted", 0);

        for (String method : List.of("PUT", "DELETE")) {
            HttpResponse<String> refused = write(method, key + "?sloppy=maybe");
            assertThat(refused.statusCode()).as(method).isEqualTo(400);
            assertThat(refused.headers().firstValue("Content-Type")).as(method).hasValue("application/problem+json");
            assertThat(json(refused)).as(method).containsEntry("title", "Invalid sloppy");
        }
    }

    @Test
    void aSloppyWriteWithTwoOwnersStoppedIsHeldByAStandInAndReachesBothOnceTheyAreBack() {
        String key = keyOwnedBy("node2", "node3", "node4", "sloppy");
        // Another key of the same owners shows when node1 has marked them down, and leaves no hint of its own for this one.
        String probe = keyOwnedBy("node2", "node3", "node4", "probe");
        cluster.stopNode(3);
        cluster.stopNode(4);
        String version;
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                HttpResponse<String> strict = write("PUT", probe);
                return strict.statusCode() == 503 && "unavailable".equals(json(strict).get("reason"));
            });

            HttpResponse<String> strict = write("PUT", key);
            assertThat(strict.statusCode()).isEqualTo(503);
            assertThat(json(strict)).containsEntry("reason", "unavailable");

            // The probe's writes that failed before node1 marked the owners down left hints on node1 already.
            long keptForNode3 = pendingHints(COORDINATOR, "node3");
            long keptForNode4 = pendingHints(COORDINATOR, "node4");

            HttpResponse<String> sloppy = write("PUT", key + "?sloppy=true");
            assertThat(sloppy.statusCode()).as(sloppy.body()).isEqualTo(200);
            assertThat(json(sloppy)).containsEntry("sloppy", true).containsEntry("hinted", 1).containsEntry("acks", 2);
            version = sloppy.headers().firstValue("X-Version").orElseThrow();
            // node5, the next member up after the primary node2, holds it for node3; node1 keeps its own hint for node4.
            assertThat(pendingHints(5, "node3")).isEqualTo(1);
            assertThat(pendingHints(COORDINATOR, "node3")).as("not kept twice").isEqualTo(keptForNode3);
            assertThat(pendingHints(COORDINATOR, "node4")).isEqualTo(keptForNode4 + 1);

        }
        finally {
            cluster.startNode(3);
            cluster.startNode(4);
        }
        // No client reads from here on: only hint delivery can bring the two owners the write.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            List<Map<String, Object>> owners = list(json(cluster.admin(COORDINATOR, "GET", "/admin/keys/" + key)).get("owners"));
            assertThat(owners).extracting(owner -> owner.get("id")).containsExactlyInAnyOrder("node2", "node3", "node4");
            assertThat(owners).extracting(owner -> owner.get("version")).containsOnly(version);
        });
    }

    private static HttpResponse<String> write(String method, String keyAndQuery) {
        return cluster.send(HttpRequest.newBuilder(cluster.uri(COORDINATOR, "/kv/" + keyAndQuery)).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.ofString("value of " + keyAndQuery)).build());
    }

    private static long pendingHints(int node, String peer) {
        String line = cluster.get(node, "/actuator/prometheus").body().lines()
                .filter(metric -> metric.startsWith("quorumkv_hints_pending{") && metric.contains("peer=\"" + peer + "\""))
                .findFirst().orElseThrow(() -> new AssertionError("no quorumkv_hints_pending for " + peer + " on node" + node));
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    /** A key whose owners are exactly these, primary first, on the partition map the nodes build. */
    private static String keyOwnedBy(String primary, String second, String third, String prefix) {
        List<Member> members = IntStream.rangeClosed(1, 5).mapToObj(i -> new Member("node" + i, null)).toList();
        PartitionMap partitions = PartitionMap.striped(members, 1024, 3);
        return IntStream.range(0, 10_000).mapToObj(i -> prefix + "-" + i)
                .filter(key -> partitions.preferenceList(key, 3).stream().map(Member::id).toList().equals(List.of(primary, second, third)))
                .findFirst().orElseThrow();
    }
}
