package dev.quorumkv.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image without a container engine: replays the Dockerfile on the jar Maven built — its
 * extract step, the runtime stage's COPY of each layer, its ENV and its ENTRYPOINT, all read
 * from the Dockerfile — then writes and reads a key through the node it started.
 * What it cannot replay: the base images, the non-root USER and the VOLUME mount itself;
 * DockerImageIntegrationTests covers those where an engine exists.
 */
class ImageLayoutIntegrationTests {

    /** In the deploy tests' port range; the image itself listens on 8080 (EXPOSE, SERVER_PORT default). */
    private static final int PORT = 8104;

    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path work;

    private Process node;

    private Path nodeLog;

    @AfterEach
    void stopNode() throws Exception {
        if (node == null) {
            return;
        }
        node.destroy(); // SIGTERM, as the container runtime sends: graceful shutdown
        if (!node.waitFor(30, TimeUnit.SECONDS)) {
            node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (Files.exists(nodeLog)) {
            List<String> lines = Files.readAllLines(nodeLog);
            System.out.println("--- last lines of the node's log ---");
            lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(System.out::println);
        }
    }

    @Test
    void nodeStartedFromTheExtractedLayersWithTheImagesEntrypointStoresAndReturnsAValue() throws Exception {
        Dockerfile dockerfile = Dockerfile.read();
        Dockerfile.Stage build = dockerfile.stages().get(0);
        Dockerfile.Stage runtime = dockerfile.runtime();

        // 1. The build stage's extract step on the built jar.
        List<String> extract = extractStep(build);
        int dest = extract.indexOf("--destination") + 1;
        String imageExtractDir = build.only("WORKDIR") + "/" + extract.get(dest);
        Path buildDir = Files.createDirectories(work.resolve("build"));
        extract.set(0, JAVA);
        extract.set(extract.indexOf("-jar") + 1, builtJar().toString());
        extract.set(dest, buildDir.resolve(extract.get(dest)).toString());
        Process extracting = new ProcessBuilder(extract).directory(buildDir.toFile()).inheritIO().start();
        assertThat(extracting.waitFor(2, TimeUnit.MINUTES)).as("extract finished").isTrue();
        assertThat(extracting.exitValue()).as("exit status of " + extract).isZero();
        Path extracted = Path.of(extract.get(dest));

        // 2. The runtime stage copies every layer, and only layers, into its WORKDIR.
        Path app = Files.createDirectories(work.resolve("app"));
        List<String> copied = new ArrayList<>();
        for (String copy : runtime.all("COPY")) {
            String[] args = copy.split("\\s+");
            assertThat(args).as("COPY " + copy).hasSize(3);
            assertThat(args[0]).isEqualTo("--from=" + build.name());
            assertThat(args[1]).as("COPY source").startsWith(imageExtractDir + "/");
            assertThat(args[2]).as("COPY target").isEqualTo("./");
            String layer = args[1].substring(imageExtractDir.length() + 1).replaceAll("/$", "");
            copyTree(extracted.resolve(layer), app);
            copied.add(layer);
        }
        assertThat(copied).as("layers the runtime stage copies").containsExactlyInAnyOrderElementsOf(directories(extracted));
        assertThat(copied.get(copied.size() - 1)).as("the most often changing layer comes last").isEqualTo("application");

        // 3. Its environment: the storage dir is the declared volume (mapped here to a temp dir).
        String volume = Dockerfile.execForm(runtime.only("VOLUME")).get(0);
        Map<String, String> imageEnv = runtime.env();
        assertThat(imageEnv).containsEntry("QUORUMKV_STORAGE_DIR", volume);
        assertThat(runtime.only("EXPOSE")).isEqualTo("8080");
        assertThat(runtime.only("USER")).as("runs as a non-root user").doesNotStartWith("0").doesNotStartWith("root");
        Path data = Files.createDirectories(work.resolve("data"));

        // 4. Its entrypoint, as written, from the runtime WORKDIR.
        List<String> entrypoint = new ArrayList<>(Dockerfile.execForm(runtime.only("ENTRYPOINT")));
        assertThat(entrypoint.get(0)).isEqualTo("java");
        assertThat(entrypoint).contains("org.springframework.boot.loader.launch.JarLauncher");
        entrypoint.set(0, JAVA);
        nodeLog = work.resolve("node.log");
        ProcessBuilder start = new ProcessBuilder(entrypoint).directory(app.toFile())
                .redirectErrorStream(true).redirectOutput(nodeLog.toFile());
        start.environment().keySet().removeIf(k -> k.startsWith("QUORUMKV_") || k.equals("JAVA_TOOL_OPTIONS"));
        imageEnv.forEach((k, v) -> start.environment().put(k, v.replace(volume, data.toString())));
        start.environment().put("SERVER_PORT", String.valueOf(PORT));
        node = start.start();

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptionsInstanceOf(IOException.class) // not listening yet
                .until(() -> {
                    if (!node.isAlive()) {
                        throw new IllegalStateException("the node exited with status " + node.exitValue() + ", its log is below");
                    }
                    return get("/readyz").statusCode() == 200;
                });

        HttpResponse<String> put = http.send(HttpRequest.newBuilder(uri("/kv/image-layout"))
                .PUT(HttpRequest.BodyPublishers.ofString("stored through the image layout")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as("PUT: " + put.body()).isEqualTo(200);
        assertThat(put.body()).contains("\"version\"");

        HttpResponse<String> read = get("/kv/image-layout");
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).isEqualTo("stored through the image layout");
        assertThat(read.headers().firstValue("X-Version")).isPresent();

        try (Stream<Path> stored = Files.list(data)) {
            assertThat(stored).as("files the node wrote under the volume's directory").isNotEmpty();
        }
        assertThat(get("/actuator/prometheus").body()).contains("quorumkv_writes_total{outcome=\"success\"} 1.0");
    }

    /** The build stage's RUN that extracts the layers, as argv (no shell syntax in it). */
    private static List<String> extractStep(Dockerfile.Stage build) {
        List<String> runs = build.all("RUN").stream().filter(r -> r.contains("-Djarmode=tools")).toList();
        assertThat(runs).as("RUN with -Djarmode=tools in stage " + build.name()).hasSize(1);
        String run = runs.get(0).trim();
        assertThat(run).as("a plain command").doesNotContainPattern("[;&|$`'\"]");
        List<String> argv = new ArrayList<>(List.of(run.split("\\s+")));
        assertThat(argv).startsWith("java", "-Djarmode=tools", "-jar").contains("extract", "--layers", "--launcher", "--destination");
        return argv;
    }

    private static Path builtJar() throws IOException {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(Path.of("target"), "quorumkv-*.jar")) {
            List<Path> found = new ArrayList<>();
            jars.forEach(found::add);
            assertThat(found).as("the jar `package` built in target/").hasSize(1);
            return found.get(0).toAbsolutePath();
        }
    }

    private static List<String> directories(Path dir) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> tree = Files.walk(from)) {
            for (Path source : (Iterable<Path>) tree::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + PORT + path);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
