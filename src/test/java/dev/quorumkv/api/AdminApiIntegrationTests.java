package dev.quorumkv.api;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.quorumkv.support.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.quorumkv.support.JsonAnswers.json;
import static dev.quorumkv.support.JsonAnswers.list;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The admin API on three real nodes: who may call it, the topology, and what each owner of a key holds. */
class AdminApiIntegrationTests {


    @TempDir
    static Path data;

    static TestCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = TestCluster.start(data, 3, "--quorumkv.replication.timeout=5s");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void withoutTheClusterSecretTheAdminApiAnswers401() {
        HttpResponse<String> none = cluster.get(1, "/admin/topology");
        HttpResponse<String> wrong = cluster.send(HttpRequest.newBuilder(cluster.uri(1, "/admin/keys/k"))
                .header("Authorization", "Bearer not-the-secret").GET().build());

        for (HttpResponse<String> response : List.of(none, wrong)) {
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(response.body()).contains("the admin API needs the cluster secret");
        }
    }

    @Test
    void theTopologyListsEveryMemberWithItsHostIdAndThePartitionCount() {
        // Ready means this node's own claim committed; another node may apply the last claim a moment later.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> response = cluster.admin(2, "GET", "/admin/topology");

            assertThat(response.statusCode()).isEqualTo(200);
            Map<String, Object> topology = json(response);
            assertThat(topology).as("formed, then claimed by each of the three").containsEntry("epoch", 4)
                    .containsEntry("partitions", 1024).containsEntry("moves", List.of());
            List<Map<String, Object>> members = list(topology.get("members"));
            assertThat(members).extracting(member -> member.get("id")).containsExactly("node1", "node2", "node3");
            assertThat(members).extracting(member -> member.get("state")).containsOnly("NORMAL");
            assertThat(members).allSatisfy(member -> assertThat(member.get("hostId")).asString().matches("[0-9a-f-]{36}"));
            assertThat(members.get(1).get("url")).isEqualTo(cluster.memberUrl(2));
        });
    }

    @Test
    void aKeysOwnersEachShowTheVersionTheyHoldAndAStoppedOwnerShowsItsError() {
        String version = cluster.putAcknowledged(1, "admin%2Fkey", "v1", null).headers().firstValue("X-Version").orElseThrow();
        cluster.stopNode(3);
        try {
            HttpResponse<String> response = cluster.admin(1, "GET", "/admin/keys/admin%2Fkey");

            assertThat(response.statusCode()).isEqualTo(200);
            Map<String, Object> answer = json(response);
            assertThat(answer).containsEntry("key", "admin/key").containsEntry("pending", List.of());
            assertThat((Integer) answer.get("partition")).isBetween(0, 1023);
            List<Map<String, Object>> owners = list(answer.get("owners"));
            assertThat(owners).extracting(owner -> owner.get("id")).containsExactlyInAnyOrder("node1", "node2", "node3");
            for (Map<String, Object> owner : owners) {
                if (owner.get("id").equals("node3")) {
                    assertThat(owner).containsKey("error").doesNotContainKey("version");
                }
                else {
                    assertThat(owner).containsEntry("version", version).containsEntry("tombstone", false);
                }
            }
        }
        finally {
            cluster.startNode(3);
        }
    }

    @Test
    void aKeyNobodyHoldsShowsNullVersionsAndABadKeyIsA400() {
        List<Map<String, Object>> owners = list(json(cluster.admin(2, "GET", "/admin/keys/never-written")).get("owners"));
        assertThat(owners).hasSize(3).allSatisfy(owner -> assertThat(owner).containsEntry("version", null));

        HttpResponse<String> bad = cluster.admin(2, "GET", "/admin/keys/%FF");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
    }

    @Test
    void aNodeWithoutAClusterSecretHasNoAdminApiAndSaysHowToTurnItOn(@TempDir Path single) {
        try (TestCluster node = TestCluster.of(single).singleNode().start()) {
            HttpResponse<String> response = node.admin(1, "GET", "/admin/topology");

            assertThat(response.statusCode()).isEqualTo(403);
            assertThat(response.body()).contains("Admin API off").contains("quorumkv.cluster.secret");
        }
    }
}
