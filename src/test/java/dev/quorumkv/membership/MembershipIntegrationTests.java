package dev.quorumkv.membership;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.quorumkv.support.Directories;
import dev.quorumkv.support.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.quorumkv.support.JsonAnswers.json;
import static dev.quorumkv.support.JsonAnswers.list;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real nodes keeping their topology in Raft: the first members claim their places, a restart keeps its place, a node
 * back on an empty data directory becomes its own replacement, and the admin API begins a join and refuses a second
 * change while it runs.
 */
class MembershipIntegrationTests {

    private static final Duration CONVERGED = Duration.ofSeconds(30);

    @Test
    void theFirstMembersClaimTheirPlacesARestartKeepsItsPlaceAndAJoinBeginsWhileASecondChangeWaits(@TempDir Path data) {
        try (TestCluster cluster = TestCluster.start(data, 3)) {
            Map<String, Object> formed = awaitTopology(cluster, 1, topology -> epoch(topology) == 4);
            assertThat(members(formed)).extracting(member -> member.get("id")).containsExactly("node1", "node2", "node3");
            assertThat(members(formed)).allSatisfy(member -> {
                assertThat(member.get("state")).isEqualTo("NORMAL");
                assertThat(member.get("hostId")).asString().matches("[0-9a-f-]{36}");
            });
            String node2Host = hostId(formed, "node2");

            cluster.stopNode(2);
            cluster.startAll();

            Map<String, Object> afterRestart = topology(cluster, 2);
            assertThat(epoch(afterRestart)).as("a restart on its own data claims nothing new").isEqualTo(4);
            assertThat(hostId(afterRestart, "node2")).isEqualTo(node2Host);
            assertThat(cluster.get(2, "/readyz").statusCode()).isEqualTo(200);

            HttpResponse<String> join = cluster.admin(1, "POST", "/admin/members", "{\"id\":\"node4\",\"url\":\"http://127.0.0.1:1\"}");
            assertThat(join.statusCode()).as(join.body()).isEqualTo(202);
            Map<String, Object> joining = json(join);
            assertThat(epoch(joining)).isEqualTo(5);
            assertThat(member(joining, "node4")).containsEntry("state", "JOINING").containsEntry("hostId", null);
            assertThat(list(joining.get("moves"))).isNotEmpty().allSatisfy(move -> {
                assertThat(move.get("to")).isEqualTo("node4");
                assertThat(move.get("phase")).isEqualTo("WRITE_BOTH");
            });
            Map<String, Object> seenByNode3 = awaitTopology(cluster, 3, topology -> epoch(topology) == 5);
            assertThat(member(seenByNode3, "node4")).containsEntry("state", "JOINING");

            HttpResponse<String> second = cluster.admin(2, "POST", "/admin/members", "{\"id\":\"node5\",\"url\":\"http://127.0.0.1:2\"}");
            assertThat(second.statusCode()).as(second.body()).isEqualTo(409);
            assertThat(second.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(second.body()).contains("another change is in progress");
            HttpResponse<String> leave = cluster.admin(3, "DELETE", "/admin/members/node1");
            assertThat(leave.statusCode()).as(leave.body()).isEqualTo(409);
        }
    }

    @Test
    void aNodeBackOnAnEmptyDataDirectoryBecomesItsOwnReplacementAndStreamsEveryKeyItOwns(@TempDir Path data) {
        try (TestCluster cluster = TestCluster.start(data, 3)) {
            Map<String, Object> formed = awaitTopology(cluster, 1, topology -> epoch(topology) == 4);
            String lostHost = hostId(formed, "node3");
            List<String> written = java.util.stream.IntStream.range(0, 60).mapToObj(i -> "before-the-disk-was-lost-" + i).toList();
            written.forEach(key -> cluster.putAcknowledged(1, key, "v", null));

            cluster.stopNode(3);
            Directories.deleteRecursively(cluster.dataDir(3));
            cluster.startNode(3);

            Map<String, Object> replacing = awaitTopology(cluster, 1, topology -> epoch(topology) == 5);
            Map<String, Object> node3 = member(replacing, "node3");
            assertThat(node3.get("state")).isEqualTo("JOINING");
            assertThat(node3.get("hostId")).asString().matches("[0-9a-f-]{36}").isNotEqualTo(lostHost);
            assertThat(list(replacing.get("moves"))).isNotEmpty().allSatisfy(move -> {
                assertThat(move).containsEntry("from", "node3").containsEntry("to", "node3").containsEntry("phase", "WRITE_BOTH");
            });
            assertThat(cluster.get(3, "/readyz").statusCode()).as("not ready before it has streamed its data").isEqualTo(503);

            Map<String, Object> replaced = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> topology(cluster, 1), topology -> list(topology.get("moves")).isEmpty());
            assertThat(member(replaced, "node3")).containsEntry("state", "NORMAL").containsEntry("hostId", node3.get("hostId"));
            await().atMost(CONVERGED).ignoreExceptions().until(() -> cluster.get(3, "/readyz").statusCode() == 200);
            for (String key : written) {
                Map<String, Object> where = json(cluster.admin(1, "GET", "/admin/keys/" + key));
                assertThat(list(where.get("owners"))).as(key).hasSize(3)
                        .allSatisfy(owner -> assertThat(owner.get("version")).as(key + " on " + owner.get("id")).isNotNull());
            }
        }
    }

    private static Map<String, Object> awaitTopology(TestCluster cluster, int node, java.util.function.Predicate<Map<String, Object>> until) {
        return await().atMost(CONVERGED).pollInterval(Duration.ofMillis(200)).until(() -> topology(cluster, node), until);
    }

    private static Map<String, Object> topology(TestCluster cluster, int node) {
        HttpResponse<String> response = cluster.admin(node, "GET", "/admin/topology");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    private static long epoch(Map<String, Object> topology) {
        return ((Number) topology.get("epoch")).longValue();
    }

    private static Map<String, Object> member(Map<String, Object> topology, String id) {
        return members(topology).stream().filter(member -> id.equals(member.get("id"))).findFirst().orElseThrow();
    }

    private static String hostId(Map<String, Object> topology, String id) {
        return (String) member(topology, id).get("hostId");
    }

    private static List<Map<String, Object>> members(Map<String, Object> topology) {
        return list(topology.get("members"));
    }
}
