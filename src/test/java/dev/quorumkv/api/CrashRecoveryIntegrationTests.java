package dev.quorumkv.api;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three nodes as separate JVMs from the built jar, killed with SIGKILL (no shutdown hook, no flush, as a
 * crash) all at once after a stream of acknowledged writes: every acknowledged write must be readable once
 * they are back, because a replica acks only after the write is in its write-ahead log.
 */
class CrashRecoveryIntegrationTests {

    private static final String SECRET = "crash-test-secret";

    @TempDir
    Path dir;

    private final Process[] nodes = new Process[3];
    private final int[] ports = IntStream.range(0, 3).map(i -> freePort()).toArray();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void killWhatWeStarted() {
        Stream.of(nodes).filter(node -> node != null && node.isAlive()).forEach(Process::destroyForcibly);
    }

    @Test
    void everyAcknowledgedWriteSurvivesAKillDashNineOfAllNodes() throws Exception {
        startAll();
        Random random = new Random(7);
        Map<String, String> acknowledged = new LinkedHashMap<>();
        for (int i = 0; i < 300; i++) {
            String key = "crash-" + i;
            String value = "value-" + i + "-" + random.nextInt(1_000_000);
            HttpResponse<String> put = send(HttpRequest.newBuilder(uri(random.nextInt(3), "/kv/" + key))
                    .PUT(HttpRequest.BodyPublishers.ofString(value)).build());
            if (put.statusCode() == 200) {
                acknowledged.put(key, value);
            }
        }
        assertThat(acknowledged).hasSizeGreaterThan(290);

        for (Process node : nodes) {
            node.destroyForcibly();  // SIGKILL on Linux
        }
        for (Process node : nodes) {
            node.waitFor();
        }
        startAll();

        for (Map.Entry<String, String> write : acknowledged.entrySet()) {
            // A 503 (a replica slow to answer right after start-up) is unavailability, not loss: ask again.
            // Only a 200 with the acknowledged value passes; a 404 or another value fails at once.
            HttpResponse<String> get = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> send(HttpRequest.newBuilder(uri(random.nextInt(3), "/kv/" + write.getKey())).GET().build()),
                            response -> response.statusCode() != 503);
            assertThat(get.statusCode()).as(write.getKey()).isEqualTo(200);
            assertThat(get.body()).as(write.getKey()).isEqualTo(write.getValue());
        }
    }

    private void startAll() throws IOException {
        String members = IntStream.range(0, 3).mapToObj(i -> "node" + (i + 1) + "=http://127.0.0.1:" + ports[i])
                .collect(Collectors.joining(","));
        Path jar = builtJar();
        for (int i = 0; i < 3; i++) {
            ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("node" + (i + 1) + ".log").toFile()));
            Map<String, String> env = builder.environment();
            env.put("QUORUMKV_NODEID", "node" + (i + 1));
            env.put("QUORUMKV_CLUSTER_MEMBERS", members);
            env.put("QUORUMKV_CLUSTER_SECRET", SECRET);
            env.put("QUORUMKV_STORAGE_DIR", dir.resolve("node" + (i + 1)).toString());
            env.put("SERVER_PORT", Integer.toString(ports[i]));
            env.put("SERVER_ADDRESS", "127.0.0.1");
            // Outcomes, not latency, are under test: a generous deadline keeps a starved CI machine from failing it.
            env.put("QUORUMKV_REPLICATION_TIMEOUT", "5s");
            nodes[i] = builder.start();
        }
        for (int i = 0; i < 3; i++) {
            int node = i;
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
                assertThat(nodes[node].isAlive()).as("node%d exited; see its log", node + 1).isTrue();
                return send(HttpRequest.newBuilder(uri(node, "/readyz")).GET().build()).statusCode() == 200;
            });
        }
    }

    private static Path builtJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            List<Path> jars = files.filter(path -> path.getFileName().toString().matches("quorumkv-.*\\.jar")).toList();
            assertThat(jars).as("the packaged jar (run after mvn package)").hasSize(1);
            return jars.get(0).toAbsolutePath();
        }
    }

    private URI uri(int node, String path) {
        return URI.create("http://127.0.0.1:" + ports[node] + path);
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
