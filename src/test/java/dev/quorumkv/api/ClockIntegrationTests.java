package dev.quorumkv.api;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import dev.quorumkv.support.TestCluster;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real nodes whose wall clocks are set ahead and back across restarts (DESIGN.md, "Clocks"). Each test
 * starts its own cluster: the clocks are the scenario.
 */
class ClockIntegrationTests {

    @TempDir
    Path data;

    /**
     * The bug this guards: node1 ran 30 s ahead and stamped a write; restarted on the right clock it stamped
     * the next write 30 s older, the replicas kept the first, and the second was acknowledged (200, acks=2)
     * and lost.
     */
    @Test
    void anAcknowledgedWriteSurvivesACoordinatorRestartedOnASlowerClock() {
        try (TestCluster cluster = TestCluster.of(data).clockOffsets(Duration.ofSeconds(30), Duration.ZERO, Duration.ZERO)
                .arguments("--quorumkv.clock.max-offset=1m").start()) {
            Version first = version(cluster.putAcknowledged(1, "k", "first", null));
            cluster.stopNode(1);
            cluster.setClockOffset(1, Duration.ZERO);
            cluster.startNode(1);
            cluster.awaitAllPeersUp();

            Version second = version(cluster.putAcknowledged(1, "k", "second", null));
            assertThat(second).as("never stamped behind what the node issued before").isGreaterThan(first);
            assertReadsEverywhere(cluster, "k", "second");

            Version third = version(cluster.putAcknowledged(2, "k", "third", null));
            assertThat(third).isGreaterThan(second);
            assertReadsEverywhere(cluster, "k", "third");

            Version fourth = version(cluster.putAcknowledged(3, "k", "fourth", third.toString()));
            assertThat(fourth).isGreaterThan(third);
            assertReadsEverywhere(cluster, "k", "fourth");
        }
    }

    /**
     * A write stamped by a node whose clock ran ahead, then a later write through a node on the right
     * clock that has never seen the key: the replicas' answers make the coordinator stamp it again.
     */
    @Test
    void aLaterWriteThroughACorrectClockWinsOverOneStampedByAClockThatRanAhead() {
        try (TestCluster cluster = TestCluster.of(data).clockOffsets(Duration.ofSeconds(40), Duration.ZERO, Duration.ZERO)
                .arguments("--quorumkv.clock.max-offset=1m").start()) {
            cluster.putAcknowledged(1, "ahead", "from the fast clock", null);

            cluster.putAcknowledged(3, "ahead", "later, from the right clock", null);

            assertReadsEverywhere(cluster, "ahead", "later, from the right clock");
        }
    }

    @Test
    void aNodeWhoseClockIsFarFromItsPeersIsNotReadyAndCoordinatesNoWritesButStillServesAsAReplica() {
        try (TestCluster cluster = TestCluster.start(data, 3)) {
            cluster.stopNode(3);
            cluster.setClockOffset(3, Duration.ofMinutes(5));
            cluster.startNode(3); // not awaited: it is not meant to become ready
            await().atMost(Duration.ofSeconds(30)).untilAsserted(
                    () -> assertThat(cluster.get(3, "/readyz").statusCode()).isEqualTo(503));
            assertThat(cluster.get(3, "/actuator/health").body()).contains("\"clock\"").contains("away from most of its peers");

            HttpResponse<String> refused = cluster.put(3, "/kv/x", "v");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("\"reason\":\"unavailable\"").contains("clock");

            assertThat(cluster.put(1, "/kv/x?w=3", "v").statusCode()).as("node3 still acks as a replica").isEqualTo(200);
            assertThat(cluster.get(1, "/readyz").statusCode()).isEqualTo(200);
            assertThat(cluster.get(2, "/readyz").statusCode()).isEqualTo(200);
        }
    }


    private static void assertReadsEverywhere(TestCluster cluster, String key, String expected) {
        for (int node = 1; node <= cluster.size(); node++) {
            assertThat(cluster.get(node, "/kv/" + key + "?r=3").body()).as("read through node" + node).isEqualTo(expected);
        }
    }

    private static Version version(HttpResponse<String> response) {
        return Version.parse(response.headers().firstValue("X-Version").orElseThrow());
    }
}
