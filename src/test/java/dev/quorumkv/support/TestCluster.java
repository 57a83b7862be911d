package dev.quorumkv.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.quorumkv.QuorumKvApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.awaitility.Awaitility.await;

/**
 * The real-node fixture: quorumkv nodes with real HTTP on loopback and real RocksDB under a temp dir,
 * numbered 1..size with ids node1..nodeN. Each node is reached by its peers through its own
 * {@link FaultProxy} (the proxy's port is what the members list names), so a test can stop, kill, restart,
 * hold and delay one replica while the others, and the test's own client, talk to it as usual.
 *
 * <p>Nodes run in this JVM, each its own Spring context (fast to start; a node can run with its wall clock
 * offset from the others), or, for crash tests, as separate JVMs from the packaged jar, so that
 * {@link #kill} is a real SIGKILL, and a node's heap is its own ({@code -Xmx256m} unless
 * {@link Builder#jvmOptions} says otherwise). An in-process kill cuts every peer connection at once and stops the
 * node without a graceful drain; only a separate process shows what survives the process dying.
 */
public final class TestCluster implements AutoCloseable {

    public static final String SECRET = "integration-test-secret";
    private static final Duration START_LIMIT = Duration.ofSeconds(120);
    /** Far above any answer a test expects; a hung node fails the test instead of hanging it. */
    private static final Duration REQUEST_LIMIT = Duration.ofSeconds(30);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path dataRoot;
    private final int[] ports;
    private final FaultProxy[] proxies;
    private final Duration[] clockOffsets;
    private final List<String> arguments;
    private final List<String> jvmOptions;
    private final boolean singleNode;
    private final boolean processes;
    private final int joiners;
    private final RunningNode[] nodes;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestCluster(Builder builder) {
        this.dataRoot = builder.dataRoot;
        this.ports = IntStream.range(0, builder.size).map(i -> freePort()).toArray();
        this.proxies = Arrays.stream(ports).mapToObj(TestCluster::proxyWithFreeRaftPort).toArray(FaultProxy[]::new);
        this.clockOffsets = builder.clockOffsets;
        this.arguments = List.copyOf(builder.arguments);
        this.jvmOptions = List.copyOf(builder.jvmOptions);
        this.singleNode = builder.singleNode;
        this.processes = builder.processes;
        this.joiners = builder.joiners;
        this.nodes = new RunningNode[builder.size];
    }

    /** A cluster to describe, then {@link Builder#start()}. */
    public static Builder of(Path dataRoot) {
        return new Builder(dataRoot);
    }

    /** Starts {@code size} in-process nodes; {@code arguments} are extra Spring arguments for every node. */
    public static TestCluster start(Path dataRoot, int size, String... arguments) {
        return of(dataRoot).nodes(size).arguments(arguments).start();
    }

    /** Starts one in-process node per offset; node i's wall clock runs {@code offsets[i-1]} ahead (or behind). */
    public static TestCluster startWithClockOffsets(Path dataRoot, Duration[] offsets, String... arguments) {
        return of(dataRoot).clockOffsets(offsets).arguments(arguments).start();
    }

    public int size() {
        return nodes.length;
    }

    /** Where the test's client reaches the node: directly, never through its proxy. */
    public String url(int node) {
        return "http://127.0.0.1:" + ports[node - 1];
    }

    /** Where peers reach the node, as the members list names it: its proxy. */
    public String memberUrl(int node) {
        return "http://127.0.0.1:" + proxies[node - 1].port();
    }

    public int port(int node) {
        return ports[node - 1];
    }

    public URI uri(int node, String rawPathAndQuery) {
        return URI.create(url(node) + rawPathAndQuery);
    }

    public String id(int node) {
        return "node" + node;
    }

    public boolean isRunning(int node) {
        return nodes[node - 1] != null;
    }

    /** Running and, for a separate process, not exited (an OutOfMemoryError with -XX:+ExitOnOutOfMemoryError ends it). */
    public boolean isAlive(int node) {
        return nodes[node - 1] != null && nodes[node - 1].isAlive();
    }

    /** Where a separate process's output goes. */
    public Path log(int node) {
        return dataRoot.resolve(id(node) + ".log");
    }

    /** Graceful stop, as SIGTERM would: in-flight requests finish, storage closes cleanly. */
    public void stopNode(int node) {
        RunningNode running = nodes[node - 1];
        nodes[node - 1] = null;
        if (running != null) {
            running.stop();
        }
    }

    /**
     * A crash: every peer connection to the node is reset at once and it stops without draining anything.
     * For separate processes a SIGKILL; in process the context is closed after its server was stopped.
     */
    public void kill(int node) {
        proxies[node - 1].refuse();
        RunningNode running = nodes[node - 1];
        nodes[node - 1] = null;
        if (running != null) {
            running.kill();
        }
    }

    /** Starts the node (again) on its port and data; peers reach it normally again. */
    public void startNode(int node) {
        proxies[node - 1].pass();
        if (nodes[node - 1] == null) {
            nodes[node - 1] = processes ? startProcess(node) : startInProcess(node);
        }
    }

    /** Node {@code node}'s wall clock runs {@code offset} ahead (or behind) from its next start. In process only. */
    public void setClockOffset(int node, Duration offset) {
        clockOffsets[node - 1] = offset;
    }

    /** Starts the node, then waits until it is ready (a joiner: until its join has ended and it is NORMAL). */
    public void startNodeAndAwaitReady(int node) {
        startNode(node);
        RunningNode running = nodes[node - 1];
        await().atMost(START_LIMIT.multipliedBy(2)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
            if (!running.isAlive()) {
                throw new AssertionError(id(node) + " exited while starting; see " + dataRoot.resolve(id(node) + ".log"));
            }
            return get(node, "/readyz").statusCode() == 200;
        });
    }

    /** Starts every node not running, then waits until each sees every other as up. */
    public void startAll() {
        for (int node = 1; node <= size(); node++) {
            startNode(node);
        }
        awaitAllReady();
        awaitAllPeersUp();
    }

    /** Peer calls to the node wait, unanswered, until {@link #release}: a paused replica. */
    public void hold(int node) {
        proxies[node - 1].hold();
    }

    /** Peer calls to the node reach it {@code delay} late: a slow replica. */
    public void delay(int node, Duration delay) {
        proxies[node - 1].delay(delay);
    }

    /** Bytes peers sent the node that its proxy holds (or delays) and has not delivered yet. */
    public long bytesHeld(int node) {
        return proxies[node - 1].bytesHeld();
    }

    /** Ends a hold or delay; held calls reach the node now, in order. */
    public void release(int node) {
        proxies[node - 1].pass();
    }

    /** Waits until every running node sees every other running node as up (after probes) and has compared clocks with one. */
    public void awaitAllPeersUp() {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (int node = 1; node <= size(); node++) {
                if (!isRunning(node)) {
                    continue;
                }
                String health = get(node, "/actuator/health").body();
                boolean anyPeerRunning = false;
                for (int other = 1; other <= size(); other++) {
                    if (other != node && isRunning(other)) {
                        anyPeerRunning = true;
                        if (!health.contains("\"" + id(other) + "\":\"UP\"")) {
                            return false;
                        }
                    }
                }
                // A node coordinates writes once it has compared its clock with a peer.
                if (anyPeerRunning && health.contains("not been compared with a peer")) {
                    return false;
                }
            }
            return true;
        });
    }

    public HttpResponse<String> get(int node, String path) {
        return send(HttpRequest.newBuilder(uri(node, path)).timeout(REQUEST_LIMIT).GET().build());
    }

    public HttpResponse<String> put(int node, String path, String body) {
        return send(HttpRequest.newBuilder(uri(node, path)).timeout(REQUEST_LIMIT)
                .header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** PUTs {@code value} under {@code key} through {@code node}, with {@code context} as X-Context unless null; fails unless 200. */
    public HttpResponse<String> putAcknowledged(int node, String key, String value, String context) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(node, "/kv/" + key)).timeout(REQUEST_LIMIT)
                .PUT(HttpRequest.BodyPublishers.ofString(value));
        if (context != null) {
            request.header("X-Context", context);
        }
        HttpResponse<String> response = send(request.build());
        if (response.statusCode() != 200) {
            throw new AssertionError("PUT " + key + " through " + id(node) + " answered " + response.statusCode() + ": " + response.body());
        }
        return response;
    }

    /** An admin API call ({@code GET} unless {@code method} says otherwise) with the cluster secret. */
    public HttpResponse<String> admin(int node, String method, String path) {
        return send(HttpRequest.newBuilder(uri(node, path)).timeout(REQUEST_LIMIT).header("Authorization", "Bearer " + SECRET)
                .method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    /** An admin API call with a JSON body and the cluster secret. */
    public HttpResponse<String> admin(int node, String method, String path, String json) {
        return send(HttpRequest.newBuilder(uri(node, path)).timeout(REQUEST_LIMIT).header("Authorization", "Bearer " + SECRET)
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json)).build());
    }

    /** The node's data directory ({@code quorumkv.storage.dir}). */
    public Path dataDir(int node) {
        return dataRoot.resolve(id(node));
    }

    public HttpResponse<byte[]> getBytes(int node, String path) {
        return sendForBytes(HttpRequest.newBuilder(uri(node, path)).timeout(REQUEST_LIMIT).GET().build());
    }

    public HttpResponse<byte[]> putBytes(int node, String path, byte[] body) {
        return sendForBytes(HttpRequest.newBuilder(uri(node, path)).timeout(REQUEST_LIMIT).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    /** The test's own HTTP client, for asynchronous calls. */
    public HttpClient client() {
        return http;
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

    /**
     * Stops every node at once: each graceful stop (its drain, its Raft log's close) waits on timers of its own, and
     * one after another they added up to seconds per test.
     */
    @Override
    public void close() {
        try {
            CompletableFuture.allOf(IntStream.rangeClosed(1, size())
                    .mapToObj(node -> CompletableFuture.runAsync(() -> stopNode(node), stopping -> {
                        Thread thread = new Thread(stopping, "stop-" + id(node));
                        thread.start();
                    }))
                    .toArray(CompletableFuture[]::new)).join();
        }
        finally {
            Arrays.stream(proxies).forEach(FaultProxy::close);
        }
    }

    private List<String> nodeArguments(int node) {
        List<String> all = new ArrayList<>(List.of(
                "--server.port=" + ports[node - 1],
                "--server.address=127.0.0.1",
                "--quorumkv.node-id=" + id(node),
                "--quorumkv.storage.dir=" + dataRoot.resolve(id(node)),
                "--spring.main.banner-mode=off",
                // Reactor Netty's JVM-wide event loops (Boot makes them; no quorumkv client runs on them) wait 2 s for
                // quiet before they stop, on every node stop: seconds per test.
                "--spring.reactor.netty.shutdown-quiet-period=0s",
                "--logging.level.root=WARN",
                "--logging.level.dev.quorumkv=INFO"));
        if (!singleNode) {
            all.add("--quorumkv.cluster.members=" + members());
            all.add("--quorumkv.cluster.secret=" + SECRET);
            all.add("--quorumkv.cluster.probe-interval=100ms");
            if (node > size() - joiners) {
                all.add("--quorumkv.cluster.auto-join=true");
                all.add("--quorumkv.cluster.url=" + memberUrl(node));
            }
        }
        all.addAll(arguments);
        return all;
    }

    private RunningNode startInProcess(int node) {
        Clock clock = Clock.offset(Clock.systemUTC(), clockOffsets[node - 1]);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(QuorumKvApplication.class)
                .initializers(initializing -> initializing.getBeanFactory().registerSingleton("testWallClock", clock))
                .run(nodeArguments(node).toArray(String[]::new));
        return new RunningNode() {
            @Override
            public void stop() {
                context.close();
            }

            @Override
            public void kill() {
                ((WebServerApplicationContext) context).getWebServer().stop();
                context.close();
            }
        };
    }

    private RunningNode startProcess(int node) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", packagedJar().toString()));
        command.addAll(nodeArguments(node));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dataRoot.resolve(id(node) + ".log").toFile()))
                    .start();
            return new RunningNode() {
                @Override
                public void stop() {
                    process.destroy();
                    awaitExit(process);
                }

                @Override
                public void kill() {
                    process.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no flush
                    awaitExit(process);
                }

                @Override
                public boolean isAlive() {
                    return process.isAlive();
                }
            };
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Every running node answers ready; a separate process that died on the way fails at once. With fewer than a
     * majority of the members running the cluster's topology cannot be formed (its Raft log needs a majority), so no
     * node can be ready: then each must be ready but for membership.
     */
    private void awaitAllReady() {
        long started = Arrays.stream(nodes).filter(Objects::nonNull).count();
        boolean formable = singleNode || started > (size() - joiners) / 2;
        for (int node = 1; node <= size(); node++) {
            RunningNode running = nodes[node - 1];
            if (running == null) {
                continue;
            }
            int which = node;
            await().atMost(START_LIMIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
                if (!running.isAlive()) {
                    throw new AssertionError(id(which) + " exited while starting; see " + dataRoot.resolve(id(which) + ".log"));
                }
                return formable ? get(which, "/readyz").statusCode() == 200 : readyButForMembership(which);
            });
        }
    }

    private boolean readyButForMembership(int node) {
        JsonNode components = JSON.readTree(get(node, "/actuator/health/readiness").body()).path("components");
        for (var component : components.properties()) {
            String status = component.getValue().path("status").asString();
            if (!component.getKey().equals("membership") && !status.equals("UP") && !status.equals("UNKNOWN")) {
                return false;
            }
        }
        return components.has("membership");
    }

    private static void awaitExit(Process process) {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private static Path packagedJar() {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            List<Path> jars = files.filter(path -> path.getFileName().toString().matches("quorumkv-.*\\.jar")).toList();
            if (jars.size() != 1) {
                throw new IllegalStateException("expected the packaged jar in target/ (run after mvn package), found " + jars);
            }
            return jars.get(0).toAbsolutePath();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** The first members; joiners are not among them (they join by themselves). */
    private String members() {
        return IntStream.rangeClosed(1, size() - joiners).mapToObj(node -> id(node) + "=" + memberUrl(node))
                .collect(Collectors.joining(","));
    }

    /**
     * The proxy peers reach the node through, at the node's member url's port. A node's topology log (Raft) listens at
     * that port + 1000: it is handed out with it, so no Raft server finds its port taken.
     */
    private static FaultProxy proxyWithFreeRaftPort(int targetPort) {
        return FaultProxy.startOn(LoopbackPorts.unusedWithNeighbour(1000), targetPort);
    }

    private static int freePort() {
        return LoopbackPorts.unused();
    }

    /** One started node, however it runs. */
    private interface RunningNode {

        void stop();

        void kill();

        default boolean isAlive() {
            return true;
        }
    }

    /** What to start: how many members, which of them, how they run. */
    public static final class Builder {

        private final Path dataRoot;
        private int size = 3;
        private int[] started;
        private Duration[] clockOffsets;
        private final List<String> arguments = new ArrayList<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private boolean singleNode;
        private boolean processes;
        private int joiners;

        private Builder(Path dataRoot) {
            this.dataRoot = dataRoot;
        }

        public Builder nodes(int size) {
            this.size = size;
            return this;
        }

        /** Only these nodes start; the others are members that never answer (an absent peer). */
        public Builder startOnly(int... nodes) {
            this.started = nodes.clone();
            return this;
        }

        /**
         * The last {@code count} nodes are not among the first members: they are not started with the others, and
         * join by themselves ({@code quorumkv.cluster.auto-join}) when {@link #startNode} starts them.
         */
        public Builder joiners(int count) {
            this.joiners = count;
            return this;
        }

        /** One node per offset, its wall clock running that far ahead (or behind). In process only. */
        public Builder clockOffsets(Duration... offsets) {
            this.size = offsets.length;
            this.clockOffsets = offsets.clone();
            return this;
        }

        public Builder arguments(String... more) {
            arguments.addAll(List.of(more));
            return this;
        }

        /**
         * Options for each node's JVM, after the default {@code -Xmx256m} (a later {@code -Xmx} wins), such
         * as {@code -XX:+ExitOnOutOfMemoryError}. Separate processes only.
         */
        public Builder jvmOptions(String... more) {
            jvmOptions.addAll(List.of(more));
            return this;
        }

        /** One node with no members list and no secret: the single-node store anyone gets by default. */
        public Builder singleNode() {
            this.size = 1;
            this.singleNode = true;
            return this;
        }

        /** Each node a separate JVM from the packaged jar (target/quorumkv-*.jar): kill is a real SIGKILL. */
        public Builder separateProcesses() {
            this.processes = true;
            return this;
        }

        public TestCluster start() {
            if (clockOffsets == null) {
                clockOffsets = new Duration[size];
                Arrays.fill(clockOffsets, Duration.ZERO);
            }
            else if (processes) {
                throw new IllegalStateException("clock offsets need in-process nodes");
            }
            if (!jvmOptions.isEmpty() && !processes) {
                throw new IllegalStateException("JVM options need separate processes");
            }
            TestCluster cluster = new TestCluster(this);
            try {
                int[] which = started != null ? started : IntStream.rangeClosed(1, size - joiners).toArray();
                for (int node : which) {
                    cluster.startNode(node);
                }
                cluster.awaitAllReady();
                cluster.awaitAllPeersUp();
            }
            catch (RuntimeException | Error ex) {
                cluster.close();
                throw ex;
            }
            return cluster;
        }
    }
}
