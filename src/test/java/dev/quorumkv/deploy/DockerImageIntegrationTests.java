package dev.quorumkv.deploy;

import static dev.quorumkv.deploy.RenderedChart.at;
import static dev.quorumkv.deploy.RenderedChart.list;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The real image: built from the Dockerfile (bin/container-engine image), three containers on a
 * network of their own form a cluster, each with a volume at /data and the security context the
 * chart gives its pods (user, read-only root file system, no capabilities, no privilege
 * escalation, a writable /tmp), read from the rendered chart. Ports are published on 127.0.0.1
 * only. Without podman and its API the class is skipped and says why on the console
 * (ImageLayoutIntegrationTests still replays the image's layout and entrypoint then).
 */
@ExtendWith(ContainerEngine.Required.class) // before @Testcontainers: its condition stays silent
@Testcontainers(disabledWithoutDocker = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerImageIntegrationTests {

    private static final int PORT = 8080;

    private static final List<String> NODES = List.of("node1", "node2", "node3");

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static final String RUN = "qkv-it-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(3));

    private static String secret;

    private static String members;

    private static Map<String, Object> podSecurity;

    private static Map<String, Object> containerSecurity;

    private static Network network;

    private static final List<GenericContainer<?>> containers = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        Path scratch = Files.createTempDirectory("quorumkv-chart");
        RenderedChart chart = RenderedChart.render(scratch, "kv", "store", Map.of());
        podSecurity = chart.podSecurityContext();
        containerSecurity = RenderedChart.map(chart.nodeContainer().get("securityContext"));

        secret = HexFormat.of().formatHex(new SecureRandom().generateSeed(24));
        members = NODES.stream().map(n -> n + "=http://" + n + ":" + PORT).collect(Collectors.joining(","));
        String image = ContainerEngine.image();
        network = Network.newNetwork();
        for (String node : NODES) {
            DockerClientFactory.instance().client().createVolumeCmd().withName(volume(node)).exec();
            containers.add(node(image, node));
        }
        // All at once (a node is ready once its peers answer); a parallel stream would start one
        // at a time on a 2-core machine.
        ExecutorService starting = Executors.newFixedThreadPool(containers.size());
        try {
            containers.stream().map(c -> CompletableFuture.runAsync(c::start, starting)).toList().forEach(CompletableFuture::join);
        } finally {
            starting.shutdown();
        }
    }

    @AfterAll
    static void stopCluster() {
        containers.forEach(GenericContainer::stop);
        if (network != null) {
            network.close();
        }
        DockerClient client = DockerClientFactory.instance().client();
        for (String node : NODES) {
            try {
                client.removeVolumeCmd(volume(node)).exec();
            } catch (RuntimeException e) {
                System.out.println("could not remove volume " + volume(node) + ": " + e.getMessage());
            }
        }
    }

    @Test
    @Order(1)
    void aValueWrittenThroughOneContainerIsReadThroughAnother() {
        assertThat(put(0, "/kv/from-node1", "written in a container").statusCode()).isEqualTo(200);

        HttpResponse<String> read = get(1, "/kv/from-node1");
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).isEqualTo("written in a container");
    }

    @Test
    @Order(2)
    void theNodeRunsWithTheChartsSecurityContextAndStoresOnItsVolume() throws Exception {
        GenericContainer<?> node = containers.get(0);
        assertThat(exec(node, "id -u").strip()).isEqualTo(String.valueOf(podSecurity.get("runAsUser")));
        assertThat(exec(node, "id -g").strip()).isEqualTo(String.valueOf(podSecurity.get("runAsGroup")));
        assertThat(exec(node, "touch /written-to-root 2>&1 || echo refused")).contains("Read-only file system");
        assertThat(exec(node, "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/1/status"))
                .containsPattern("CapEff:\\s+0{16}").containsPattern("CapBnd:\\s+0{16}").containsPattern("NoNewPrivs:\\s+1");
        assertThat(exec(node, "ls -A /data")).as("files in /data").contains("quorumkv-host-id");
    }

    @Test
    @Order(3)
    void aKilledContainerIsMissedByW3ButNotW2AndItsReplacementKeepsTheVolumesData() throws Exception {
        assertThat(put(0, "/kv/before-the-kill?w=3", "held by all three").statusCode()).isEqualTo(200);
        GenericContainer<?> third = containers.get(2);
        String hostId = exec(third, "cat /data/quorumkv-host-id").strip();

        DockerClientFactory.instance().client().killContainerCmd(third.getContainerId()).withSignal("KILL").exec();
        third.stop();

        // A write may still time out on a loaded machine (the replication timeout is 1 s); the
        // promise is that W=2 is reachable with one of three down, so each gets two more tries.
        List<String> w2 = IntStream.range(0, 5).mapToObj(i -> putWithRetries(i % 2, "/kv/two-of-three-" + i)).toList();
        assertThat(w2).containsOnly("200");
        assertThat(put(0, "/kv/all-three?w=3", "v").statusCode()).isEqualTo(503);

        // A new container on the killed one's volume: the same data directory, and what it held.
        GenericContainer<?> replacement = node(ContainerEngine.IMAGE, NODES.get(2));
        replacement.start();
        containers.set(2, replacement);
        assertThat(exec(replacement, "cat /data/quorumkv-host-id").strip()).isEqualTo(hostId);
        HttpResponse<String> where = http.send(HttpRequest.newBuilder(uri(2, "/admin/keys/before-the-kill"))
                .header("Authorization", "Bearer " + secret).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(where.statusCode()).isEqualTo(200);
        assertThat(where.body()).as("what each owner holds").containsPattern("\"id\":\"node3\",\"version\":\"[^\"]+\"");
        assertThat(get(2, "/kv/before-the-kill?r=3").body()).isEqualTo("held by all three");
    }

    private static GenericContainer<?> node(String image, String name) {
        return new GenericContainer<>(image)
                .withNetwork(network)
                .withNetworkAliases(name)
                .withEnv("QUORUMKV_NODEID", name)
                .withEnv("QUORUMKV_CLUSTER_MEMBERS", members)
                .withEnv("QUORUMKV_CLUSTER_SECRET", secret)
                .withExposedPorts(PORT)
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withUser(podSecurity.get("runAsUser") + ":" + podSecurity.get("runAsGroup"));
                    HostConfig host = cmd.getHostConfig();
                    secure(host);
                    host.withBinds(new Bind(volume(name), new Volume("/data")));
                    // Published on the loopback address only, not on every interface.
                    host.withPortBindings(new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(PORT)));
                })
                .waitingFor(Wait.forHttp("/readyz").forPort(PORT).forStatusCode(200).withStartupTimeout(Duration.ofMinutes(3)));
    }

    /** The chart's container securityContext, as the engine's options; fails on a setting it cannot map. */
    private static void secure(HostConfig host) {
        assertThat(containerSecurity).as("container securityContext").containsOnlyKeys(
                "allowPrivilegeEscalation", "readOnlyRootFilesystem", "runAsNonRoot", "capabilities");
        assertThat(containerSecurity.get("runAsNonRoot")).isEqualTo(true);
        assertThat(podSecurity.get("runAsUser")).isNotEqualTo(0);
        host.withReadonlyRootfs((Boolean) containerSecurity.get("readOnlyRootFilesystem"));
        if (Boolean.FALSE.equals(containerSecurity.get("allowPrivilegeEscalation"))) {
            host.withSecurityOpts(List.of("no-new-privileges"));
        }
        List<Object> drop = list(at(containerSecurity, "capabilities", "drop"));
        host.withCapDrop(drop.stream().map(c -> Capability.valueOf((String) c)).toArray(Capability[]::new));
        // The chart's /tmp is an emptyDir (the JVM, Tomcat and RocksDB's JNI library write there):
        // here a tmpfs, exec since the JNI library is loaded from it.
        host.withTmpFs(Map.of("/tmp", "rw,exec,nosuid,nodev,mode=1777,size=256m"));
    }

    private static String volume(String node) {
        return RUN + "-" + node;
    }

    private static String exec(GenericContainer<?> container, String script) throws Exception {
        Container.ExecResult result = container.execInContainer("sh", "-c", script);
        return result.getStdout() + result.getStderr();
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

    /** "200", or the last failure's status and body after three tries. */
    private static String putWithRetries(int node, String path) {
        HttpResponse<String> response = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            response = put(node, path, "v");
            if (response.statusCode() == 200) {
                return "200";
            }
            System.out.println("PUT " + path + " (try " + (attempt + 1) + "): " + response.statusCode() + " " + response.body());
        }
        return response.statusCode() + " " + response.body();
    }

    private static HttpResponse<String> get(int node, String path) {
        try {
            return http.send(HttpRequest.newBuilder(uri(node, path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException("GET " + path + " failed", e);
        }
    }
}
