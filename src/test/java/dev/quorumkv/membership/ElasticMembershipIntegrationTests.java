package dev.quorumkv.membership;

import static dev.quorumkv.support.JsonAnswers.json;
import static dev.quorumkv.support.JsonAnswers.list;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.quorumkv.support.TestCluster;

/**
 * Real nodes growing and shrinking while a client writes at W=2: a node that joins by itself streams its partitions
 * and becomes NORMAL, a decommissioned one streams them away and LEFT; afterwards every acknowledged write reads back
 * through every node and every key is held by exactly its N owners.
 */
class ElasticMembershipIntegrationTests {

    private static final Duration CHANGE_LIMIT = Duration.ofMinutes(4);

    @Test
    void aNodeJoinsByItselfAndIsDecommissionedWhileWritesGoOnAndNoAcknowledgedWriteIsLost(@TempDir Path data)
            throws Exception {
        try (TestCluster cluster = TestCluster.of(data).nodes(4).joiners(1).start()) {
            IntStream.range(0, 300).forEach(i -> cluster.putAcknowledged(1, "before-" + i, "v" + i, null));

            Map<String, String> acknowledged = new ConcurrentHashMap<>();
            try (Writer writer = new Writer(cluster, acknowledged)) {
                cluster.startNodeAndAwaitReady(4);
                Map<String, Object> joined = topology(cluster, 1);
                assertThat(member(joined, "node4")).containsEntry("state", "NORMAL");
                assertThat(list(joined.get("moves"))).isEmpty();
                writer.awaitMoreWrites();
            }
            assertThat(acknowledged).as("writes acknowledged while node4 joined").isNotEmpty();
            assertEveryWriteReadsBackAndIsHeldByItsOwners(cluster, 4, acknowledged);
            assertThat(heldBy(cluster, "node4")).as("node4 holds its share").isPositive();

            acknowledged.clear();
            try (Writer writer = new Writer(cluster, acknowledged)) {
                HttpResponse<String> leave = cluster.admin(2, "DELETE", "/admin/members/node4");
                assertThat(leave.statusCode()).as(leave.body()).isEqualTo(202);
                await().atMost(CHANGE_LIMIT).pollInterval(Duration.ofMillis(500)).until(() -> topology(cluster, 1),
                        topology -> "LEFT".equals(member(topology, "node4").get("state")));
                writer.awaitMoreWrites();
            }
            cluster.stopNode(4);
            assertEveryWriteReadsBackAndIsHeldByItsOwners(cluster, 3, acknowledged);
            assertThat(heldBy(cluster, "node4")).as("node4 owns nothing").isZero();
        }
    }

    private static void assertEveryWriteReadsBackAndIsHeldByItsOwners(TestCluster cluster, int nodes,
            Map<String, String> acknowledged) {
        Map<String, String> expected = new java.util.HashMap<>(acknowledged);
        IntStream.range(0, 300).forEach(i -> expected.put("before-" + i, "v" + i));
        expected.forEach((key, value) -> {
            for (int node = 1; node <= nodes; node++) {
                HttpResponse<String> read = cluster.get(node, "/kv/" + key);
                assertThat(read.statusCode()).as(key + " through node" + node).isEqualTo(200);
                assertThat(read.body()).as(key + " through node" + node).isEqualTo(value);
            }
            Map<String, Object> where = json(cluster.admin(1, "GET", "/admin/keys/" + key));
            assertThat(list(where.get("pending"))).as(key).isEmpty();
            assertThat(list(where.get("owners"))).as(key).hasSize(3)
                    .allSatisfy(owner -> assertThat(owner.get("version")).as(key + " on " + owner.get("id")).isNotNull());
        });
    }

    /** How many of the first 300 keys list {@code id} among their owners. */
    private static long heldBy(TestCluster cluster, String id) {
        return IntStream.range(0, 300).filter(i -> list(json(cluster.admin(1, "GET", "/admin/keys/before-" + i)).get("owners"))
                .stream().anyMatch(owner -> id.equals(owner.get("id")))).count();
    }

    /**
     * Writes new keys through node1..3 in turn, one at a time, about 50 a second (dozens in every phase of a change;
     * unpaced, thousands, each read back through every node afterwards), and keeps what was acknowledged (200).
     */
    private static final class Writer implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Map<String, String> acknowledged;
        private final Thread thread;

        Writer(TestCluster cluster, Map<String, String> acknowledged) {
            this.acknowledged = acknowledged;
            this.thread = new Thread(() -> {
                for (int i = 0; running.get(); i++) {
                    String key = "during-" + System.nanoTime() + "-" + i;
                    try {
                        if (cluster.put(1 + i % 3, "/kv/" + key, "w" + i).statusCode() == 200) {
                            acknowledged.put(key, "w" + i);
                        }
                    }
                    catch (RuntimeException ex) {
                        // not acknowledged: nothing to check
                    }
                    try {
                        Thread.sleep(20);
                    }
                    catch (InterruptedException ex) {
                        return;
                    }
                }
            }, "writer");
            thread.start();
        }

        void awaitMoreWrites() {
            int seen = acknowledged.size();
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() > seen + 5);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    private static Map<String, Object> topology(TestCluster cluster, int node) {
        HttpResponse<String> response = cluster.admin(node, "GET", "/admin/topology");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    private static Map<String, Object> member(Map<String, Object> topology, String id) {
        return list(topology.get("members")).stream().filter(member -> id.equals(member.get("id"))).findFirst().orElseThrow();
    }
}
