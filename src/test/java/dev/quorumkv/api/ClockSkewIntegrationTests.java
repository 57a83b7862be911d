package dev.quorumkv.api;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;
import dev.quorumkv.support.TestCluster;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Four real nodes whose wall clocks disagree by seconds (node1 runs 5 s ahead, node4 5 s behind), N=2.
 * The keys used are placed on node2 and node3 only, so the lagging coordinator node4 never sees their
 * versions as a replica: only the client's X-Context can keep its writes in order.
 */
class ClockSkewIntegrationTests {

    @TempDir
    static Path data;

    static TestCluster cluster;

    @BeforeAll
    static void startCluster() {
        Duration[] offsets = {Duration.ofSeconds(5), Duration.ZERO, Duration.ZERO, Duration.ofSeconds(-5)};
        // Skewed on purpose: a max offset above the skew keeps every node coordinating.
        cluster = TestCluster.startWithClockOffsets(data, offsets, "--quorumkv.clock.max-offset=1m",
                "--quorumkv.replication.n=2", "--quorumkv.replication.w=2", "--quorumkv.replication.r=2");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aWriteSentWithTheContextOfThePreviousAnswerWinsThroughTheLaggingCoordinator() {
        String key = keyOnlyOn("node2", "node3", "ctx");
        Version first = version(cluster.putAcknowledged(1, key, "first", null));

        Version second = version(cluster.putAcknowledged(4, key, "second", first.toString()));

        assertThat(second).isGreaterThan(first);
        assertThat(cluster.get(3, "/kv/" + key).body()).isEqualTo("second");
    }

    @Test
    void aClientsSequentialWritesKeepTheirOrderWhicheverCoordinatorTakesEach() {
        String key = keyOnlyOn("node2", "node3", "chain");
        int[] coordinators = {1, 4, 1, 4, 4, 1, 4};
        String context = null;
        for (int i = 0; i < coordinators.length; i++) {
            HttpResponse<String> put = cluster.putAcknowledged(coordinators[i], key, "value-" + i, context);
            assertThat(put.statusCode()).isEqualTo(200);
            if (context != null) {
                assertThat(version(put)).isGreaterThan(Version.parse(context));
            }
            context = put.headers().firstValue("X-Version").orElseThrow();
        }
        assertThat(cluster.get(2, "/kv/" + key).body()).isEqualTo("value-" + (coordinators.length - 1));
    }

    /**
     * Without the context the lagging coordinator stamps the later write older; the replicas say they hold
     * a later version and it is stamped again past it before it is acknowledged (it used to be lost).
     */
    @Test
    void withoutTheContextTheLaggingCoordinatorsLaterWriteIsStampedAgainAndWins() {
        String key = keyOnlyOn("node2", "node3", "no-ctx");
        cluster.putAcknowledged(1, key, "first", null);

        cluster.putAcknowledged(4, key, "second", null);

        assertThat(cluster.get(2, "/kv/" + key).body()).isEqualTo("second");
        assertThat(cluster.get(3, "/kv/" + key).body()).isEqualTo("second");
    }


    private static Version version(HttpResponse<String> response) {
        return Version.parse(response.headers().firstValue("X-Version").orElseThrow());
    }

    /** A key whose two replicas are exactly the given nodes, found on the same partition map the nodes build. */
    private static String keyOnlyOn(String a, String b, String prefix) {
        List<Member> members = IntStream.rangeClosed(1, 4).mapToObj(i -> new Member("node" + i, null)).toList();
        PartitionMap partitions = PartitionMap.striped(members, 1024, 2);
        return IntStream.range(0, 10_000).mapToObj(i -> prefix + "-" + i)
                .filter(key -> partitions.preferenceList(key, 2).stream().map(Member::id).sorted().toList().equals(List.of(a, b)))
                .findFirst().orElseThrow();
    }
}
