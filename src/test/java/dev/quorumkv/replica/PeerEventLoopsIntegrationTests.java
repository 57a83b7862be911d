package dev.quorumkv.replica;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import dev.quorumkv.support.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node's peer calls run on event loops of its own. Reactor Netty's shared (JVM-wide) loops are stopped by
 * whichever Spring context closes first, so where two nodes share a JVM (every in-process test cluster), one
 * node's stop cut the other's calls in flight: "Connection prematurely closed", or calls that never ended.
 */
class PeerEventLoopsIntegrationTests {

    @TempDir
    Path data;

    @Test
    void stoppingAnotherNodeInTheSameJvmLeavesAPeerCallInFlightUntouched() throws Exception {
        try (TestCluster cluster = TestCluster.start(data.resolve("cluster"), 3, "--quorumkv.replication.timeout=30s");
                TestCluster other = TestCluster.of(data.resolve("other")).singleNode().start()) {
            cluster.hold(2);
            CompletableFuture<HttpResponse<String>> put = cluster.client().sendAsync(
                    HttpRequest.newBuilder(cluster.uri(1, "/kv/in-flight?w=3")).timeout(Duration.ofSeconds(60))
                            .PUT(HttpRequest.BodyPublishers.ofString("v")).build(),
                    HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.bytesHeld(2) > 0);

            other.close();
            cluster.release(2);

            HttpResponse<String> answer = put.get();
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(answer.headers().firstValue("X-Quorum-Acks")).hasValue("3");
        }
    }
}
