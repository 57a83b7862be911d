package dev.quorumkv.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The real image: built from the Dockerfile, three containers on one network form a cluster.
 * Needs a container engine; without one the class is skipped and says why on the console
 * (ImageLayoutIntegrationTests still replays the image's layout and entrypoint then).
 */
@ExtendWith(DockerImageIntegrationTests.SayWhySkipped.class) // before @Testcontainers: its condition stays silent
@Testcontainers(disabledWithoutDocker = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerImageIntegrationTests {

    private static final int PORT = 8080;

    private static final List<String> NODES = List.of("node1", "node2", "node3");

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static Network network;

    private static List<GenericContainer<?>> containers;

    static class SayWhySkipped implements ExecutionCondition {

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (DockerClientFactory.instance().isDockerAvailable()) {
                return ConditionEvaluationResult.enabled("a container engine is available");
            }
            String reason = "no container engine reachable: the image build and the 3-container cluster were not run"
                    + " (ImageLayoutIntegrationTests checked the image layout and entrypoint without one)";
            System.out.println("SKIPPED " + context.getDisplayName() + ": " + reason);
            return ConditionEvaluationResult.disabled(reason);
        }
    }

    @BeforeAll
    static void startCluster() {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String secret = HexFormat.of().formatHex(random);
        String members = NODES.stream().map(n -> n + "=http://" + n + ":" + PORT).collect(Collectors.joining(","));
        ImageFromDockerfile image = new ImageFromDockerfile("quorumkv-image-test", true).withDockerfile(Dockerfile.PATH);
        network = Network.newNetwork();
        containers = NODES.stream().<GenericContainer<?>>map(name -> new GenericContainer<>(image)
                .withNetwork(network)
                .withNetworkAliases(name)
                .withEnv("QUORUMKV_NODEID", name)
                .withEnv("QUORUMKV_CLUSTER_MEMBERS", members)
                .withEnv("QUORUMKV_CLUSTER_SECRET", secret)
                .withExposedPorts(PORT)
                .waitingFor(Wait.forHttp("/readyz").forPort(PORT).forStatusCode(200)
                        .withStartupTimeout(Duration.ofMinutes(3))))
                .toList();
        containers.parallelStream().forEach(GenericContainer::start);
    }

    @AfterAll
    static void stopCluster() {
        if (containers != null) {
            containers.forEach(GenericContainer::stop);
        }
        if (network != null) {
            network.close();
        }
    }

    @Test
    @Order(1)
    void aValueWrittenThroughOneContainerIsReadThroughAnother() throws Exception {
        assertThat(put(0, "/kv/from-node1", "written in a container").statusCode()).isEqualTo(200);

        HttpResponse<String> read = get(1, "/kv/from-node1");
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).isEqualTo("written in a container");
    }

    @Test
    @Order(2)
    void theNodeRunsAsTheImagesNonRootUserAndStoresUnderData() throws Exception {
        Container.ExecResult uid = containers.get(0).execInContainer("id", "-u");
        assertThat(uid.getStdout().strip()).isEqualTo("10001");

        Container.ExecResult data = containers.get(0).execInContainer("ls", "-A", "/data");
        assertThat(data.getStdout()).as("files in /data").isNotBlank();
    }

    @Test
    @Order(3)
    void withOneContainerStoppedWritesMeetW2ButNotW3() throws Exception {
        containers.get(2).stop();

        List<Integer> w2 = IntStream.range(0, 5).mapToObj(i -> put(i % 2, "/kv/two-of-three-" + i, "v").statusCode()).toList();
        assertThat(w2).containsOnly(200);
        assertThat(put(0, "/kv/all-three?w=3", "v").statusCode()).isEqualTo(503);
    }

    private static URI uri(int node, String path) {
        GenericContainer<?> container = containers.get(node);
        return URI.create("http://" + container.getHost() + ":" + container.getMappedPort(PORT) + path);
    }

    private static HttpResponse<String> put(int node, String path, String body) {
        try {
            return http.send(HttpRequest.newBuilder(uri(node, path)).timeout(Duration.ofSeconds(10))
                    .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException("PUT " + path + " failed", e);
        }
    }

    private static HttpResponse<String> get(int node, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(node, path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
