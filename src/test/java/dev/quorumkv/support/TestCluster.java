package dev.quorumkv.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.quorumkv.QuorumKvApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.awaitility.Awaitility.await;

/**
 * Real quorumkv nodes in this JVM: real HTTP on loopback, real RocksDB under a temp dir, each its own
 * Spring context. Nodes can be stopped (graceful) and started again on the same port and data, and can
 * run with a wall clock offset from the others. Nodes are numbered 1..size, ids node1..nodeN.
 */
public final class TestCluster implements AutoCloseable {

    public static final String SECRET = "integration-test-secret";

    private final Path dataRoot;
    private final int[] ports;
    private final Duration[] clockOffsets;
    private final List<String> extraArguments;
    private final ConfigurableApplicationContext[] nodes;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestCluster(Path dataRoot, int size, Duration[] clockOffsets, List<String> extraArguments) {
        this.dataRoot = dataRoot;
        this.ports = IntStream.range(0, size).map(i -> freePort()).toArray();
        this.clockOffsets = clockOffsets;
        this.extraArguments = extraArguments;
        this.nodes = new ConfigurableApplicationContext[size];
    }

    /** Starts {@code size} nodes; {@code arguments} are extra Spring arguments for every node. */
    public static TestCluster start(Path dataRoot, int size, String... arguments) {
        Duration[] noOffsets = new Duration[size];
        Arrays.fill(noOffsets, Duration.ZERO);
        return startWithClockOffsets(dataRoot, noOffsets, arguments);
    }

    /** Starts one node per offset; node i's wall clock runs {@code offsets[i-1]} ahead (or behind). */
    public static TestCluster startWithClockOffsets(Path dataRoot, Duration[] offsets, String... arguments) {
        TestCluster cluster = new TestCluster(dataRoot, offsets.length, offsets, List.of(arguments));
        try {
            for (int node = 1; node <= offsets.length; node++) {
                cluster.startNode(node);
            }
            cluster.awaitAllPeersUp();
        }
        catch (RuntimeException ex) {
            cluster.close();
            throw ex;
        }
        return cluster;
    }

    public int size() {
        return nodes.length;
    }

    public String url(int node) {
        return "http://127.0.0.1:" + ports[node - 1];
    }

    public String id(int node) {
        return "node" + node;
    }

    public ConfigurableApplicationContext context(int node) {
        return nodes[node - 1];
    }

    public boolean isRunning(int node) {
        return nodes[node - 1] != null;
    }

    /** Graceful stop, as SIGTERM would: in-flight requests finish, storage closes cleanly. */
    public void stopNode(int node) {
        ConfigurableApplicationContext context = nodes[node - 1];
        nodes[node - 1] = null;
        if (context != null) {
            context.close();
        }
    }

    public void startNode(int node) {
        if (nodes[node - 1] != null) {
            return;
        }
        List<String> arguments = new ArrayList<>(List.of(
                "--server.port=" + ports[node - 1],
                "--server.address=127.0.0.1",
                "--quorumkv.node-id=" + id(node),
                "--quorumkv.cluster.members=" + members(),
                "--quorumkv.cluster.secret=" + SECRET,
                "--quorumkv.cluster.probe-interval=100ms",
                "--quorumkv.storage.dir=" + dataRoot.resolve(id(node)),
                "--spring.main.banner-mode=off",
                "--logging.level.root=WARN",
                "--logging.level.dev.quorumkv=INFO"));
        arguments.addAll(extraArguments);
        Clock clock = Clock.offset(Clock.systemUTC(), clockOffsets[node - 1]);
        nodes[node - 1] = new SpringApplicationBuilder(QuorumKvApplication.class)
                .initializers(context -> context.getBeanFactory().registerSingleton("testWallClock", clock))
                .run(arguments.toArray(String[]::new));
    }

    /** Waits until every running node sees every other running node as up (after probes). */
    public void awaitAllPeersUp() {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (int node = 1; node <= size(); node++) {
                if (!isRunning(node)) {
                    continue;
                }
                String health = get(node, "/actuator/health").body();
                for (int other = 1; other <= size(); other++) {
                    if (other != node && isRunning(other) && !health.contains("\"" + id(other) + "\":\"UP\"")) {
                        return false;
                    }
                }
            }
            return true;
        });
    }

    public HttpResponse<String> get(int node, String path) {
        return send(HttpRequest.newBuilder(URI.create(url(node) + path)).GET().build());
    }

    public HttpResponse<String> put(int node, String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(url(node) + path))
                .header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public HttpResponse<String> send(HttpRequest request) {
        return send(request, HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<byte[]> sendForBytes(HttpRequest request) {
        return send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        try {
            return http.send(request, body);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    @Override
    public void close() {
        for (int node = 1; node <= size(); node++) {
            stopNode(node);
        }
    }

    private String members() {
        return IntStream.rangeClosed(1, size()).mapToObj(node -> id(node) + "=" + url(node)).collect(Collectors.joining(","));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
