package dev.quorumkv.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.jayway.jsonpath.JsonPath;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.support.TestCluster;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage that cannot write is visible and survivable: a node whose storage file system is full (or
 * read-only) reports {@code storage: DOWN} with a cause and is not ready, the cluster keeps taking writes
 * at W=2 without it, and the node becomes ready by itself once it can write again, with every
 * acknowledged write readable. Damaged table files are an error that says so, never a wrong answer.
 *
 * <p>node3's storage is a 48 MiB tmpfs mounted at its data directory, so the disk-full tests need root
 * (as in the project's CI container) and are skipped, saying why, without it.
 */
class StorageFailureIntegrationTests {

    private static final String TMPFS_SIZE = "48m";
    /** Below the tmpfs's size, so node3 starts ready, and far above what a full one has left. */
    private static final String MIN_FREE = "8MB";

    @TempDir
    static Path data;

    private static Path node3Storage;
    private static boolean mounted;
    private static String notMountedBecause;
    private static TestCluster cluster;

    @BeforeAll
    static void mountNode3StorageAndStart() throws Exception {
        node3Storage = data.resolve("node3");
        Files.createDirectories(node3Storage);
        if (!"0".equals(run("id", "-u").strip())) {
            notMountedBecause = "needs root to mount a tmpfs as node3's storage (runs as uid " + run("id", "-u").strip() + ")";
            return;
        }
        String failed = runForFailure("mount", "-t", "tmpfs", "-o", "size=" + TMPFS_SIZE, "tmpfs", node3Storage.toString());
        if (failed != null) {
            notMountedBecause = "could not mount a tmpfs as node3's storage: " + failed;
            return;
        }
        mounted = true;
        cluster = TestCluster.start(data, 3, "--quorumkv.replication.timeout=5s", "--quorumkv.storage.min-free=" + MIN_FREE);
    }

    @AfterAll
    static void stopAndUnmount() throws Exception {
        try {
            if (cluster != null) {
                cluster.close();
            }
        }
        finally {
            if (mounted && runForFailure("umount", node3Storage.toString()) != null) {
                runForFailure("umount", "-l", node3Storage.toString());
            }
        }
    }

    @Test
    void aFullDiskMakesTheNodeNotReadyAndItRecoversWhenSpaceReturns() throws Exception {
        assumeTrue(mounted, () -> notMountedBecause);
        Map<String, String> acknowledged = new LinkedHashMap<>();
        putThroughNode1("before-full", 10, acknowledged);

        Path filler = node3Storage.resolve("filler");
        try {
            fill(filler);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(readiness(3).statusCode()).isEqualTo(503));
            assertStorageDown(3, "below quorumkv.storage.min-free");

            // Values large enough that node3's write-ahead log must grow: its replica fails, W=2 still holds.
            putThroughNode1("while-full", 20, 32 * 1024, acknowledged);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(JsonPath.<String>read(cluster.get(3, "/actuator/health").body(),
                            "$.components.storage.details.lastFailure")).contains("No space left on device"));
        }
        finally {
            Files.deleteIfExists(filler);
        }

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(readiness(3).statusCode()).isEqualTo(200));
        String health = cluster.get(3, "/actuator/health").body();
        assertThat(JsonPath.<String>read(health, "$.components.storage.status")).as(health).isEqualTo("UP");
        assertThat(health).doesNotContain("lastFailure")
                .as("Boot's disk-space check watches the working directory, not the data: it is off").doesNotContain("diskSpace");
        assertEveryAcknowledgedWriteReadsBackAndReachesNode3(acknowledged);
        putThroughNode3AtW3("after-full", acknowledged);
    }

    @Test
    void aReadOnlyStorageFileSystemRefusesToStartSayingWhyAndStartsOnceWritable() throws Exception {
        assumeTrue(mounted, () -> notMountedBecause);
        Map<String, String> acknowledged = new LinkedHashMap<>();
        putThroughNode1("before-read-only", 5, acknowledged);
        cluster.stopNode(3);
        String remount = runForFailure("mount", "-o", "remount,ro", node3Storage.toString());
        try {
            assumeTrue(remount == null, () -> "could not remount node3's tmpfs read-only: " + remount);
            putThroughNode1("while-read-only", 5, acknowledged);

            assertThatThrownBy(() -> cluster.startNode(3)).as("node3 on a read-only file system")
                    .hasStackTraceContaining("quorumkv.storage.dir")
                    .hasStackTraceContaining("Read-only file system");
        }
        finally {
            if (remount == null) {
                assertThat(runForFailure("mount", "-o", "remount,rw", node3Storage.toString())).isNull();
            }
            cluster.startAll();
        }
        assertEveryAcknowledgedWriteReadsBackAndReachesNode3(acknowledged);
    }

    /** Its own cluster on ordinary disks: a damaged table file of node2, found by reads after a restart. */
    @Test
    void aDamagedTableFileIsReportedAndNeverAnsweredAsData(@TempDir Path ownData) throws Exception {
        try (TestCluster damaged = TestCluster.start(ownData, 3, "--quorumkv.replication.timeout=5s")) {
            byte[] value = new byte[200];
            java.util.Arrays.fill(value, (byte) 'v');
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String key = String.format("damaged-%05d", i);
                HttpResponse<byte[]> put = damaged.putBytes(1, "/kv/" + key + "?w=3", value);
                assertThat(put.statusCode()).as("PUT %s at w=3", key).isEqualTo(200);
                keys.add(key);
            }
            damaged.stopNode(2);
            damaged.startNode(2); // replays the write-ahead log into a table file
            damaged.stopNode(2);
            Path table;
            try (Stream<Path> files = Files.list(ownData.resolve("node2"))) {
                table = files.filter(file -> file.getFileName().toString().endsWith(".sst")).findFirst().orElseThrow();
            }
            damage(table, 100, 64);
            damaged.startNode(2);
            damaged.awaitAllPeersUp();

            for (String key : keys) {
                for (int node : new int[] {1, 2}) {
                    HttpResponse<byte[]> get = damaged.getBytes(node, "/kv/" + key);
                    assertThat(get.statusCode()).as("GET %s through node%d", key, node).isEqualTo(200);
                    assertThat(get.body()).as("GET %s through node%d", key, node).isEqualTo(value);
                }
                HttpResponse<byte[]> all = damaged.getBytes(1, "/kv/" + key + "?r=3");
                if (all.statusCode() == 200) {
                    assertThat(all.body()).as("GET %s at r=3", key).isEqualTo(value);
                }
                else {
                    assertThat(all.statusCode()).as("GET %s at r=3 with node2's copy unreadable", key).isEqualTo(503);
                }
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(damaged.get(2, "/actuator/health/readiness").statusCode()).isEqualTo(503));
            String health = damaged.get(2, "/actuator/health").body();
            assertThat(JsonPath.<String>read(health, "$.components.storage.status")).isEqualTo("DOWN");
            assertThat(JsonPath.<String>read(health, "$.components.storage.details.cause")).contains("Corruption");
            assertThat(JsonPath.<Boolean>read(health, "$.components.storage.details.damaged")).isTrue();
        }
    }

    private static void putThroughNode1(String prefix, int count, Map<String, String> acknowledged) {
        putThroughNode1(prefix, count, 0, acknowledged);
    }

    private static void putThroughNode1(String prefix, int count, int padding, Map<String, String> acknowledged) {
        for (int i = 0; i < count; i++) {
            String key = prefix + "-" + i;
            String value = "value of " + key + "x".repeat(padding);
            HttpResponse<String> put = cluster.put(1, "/kv/" + key + "?w=2", value);
            assertThat(put.statusCode()).as("PUT %s at w=2 through node1: %s", key, put.body()).isEqualTo(200);
            acknowledged.put(key, value);
        }
    }

    /** node3 is a full member again: a write that needs its ack succeeds through it. */
    private static void putThroughNode3AtW3(String key, Map<String, String> acknowledged) {
        String value = "value of " + key;
        HttpResponse<String> put = cluster.put(3, "/kv/" + key + "?w=3", value);
        assertThat(put.statusCode()).as("PUT %s at w=3 through node3", key).isEqualTo(200);
        acknowledged.put(key, value);
    }

    private static void assertEveryAcknowledgedWriteReadsBackAndReachesNode3(Map<String, String> acknowledged) {
        acknowledged.forEach((key, value) -> {
            for (int node = 1; node <= 3; node++) {
                HttpResponse<String> get = cluster.get(node, "/kv/" + key + "?r=2");
                assertThat(get.statusCode()).as("GET %s at r=2 through node%d", key, node).isEqualTo(200);
                assertThat(get.body()).as("GET %s at r=2 through node%d", key, node).isEqualTo(value);
            }
            HttpResponse<String> all = cluster.get(3, "/kv/" + key + "?r=3");
            assertThat(all.statusCode()).as("GET %s at r=3 through node3", key).isEqualTo(200);
            assertThat(all.body()).as("GET %s at r=3 through node3", key).isEqualTo(value);
        });
        // The r=3 reads repaired node3's copies of what it missed while it could not write.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                acknowledged.forEach((key, value) -> assertThat(node3Copy(key)).as("node3's own copy of %s", key)
                        .isEqualTo(value)));
    }

    private static String node3Copy(String key) {
        HttpResponse<byte[]> response = cluster.sendForBytes(HttpRequest.newBuilder(cluster.uri(3, "/internal/replica/" + key))
                .header("Authorization", "Bearer " + TestCluster.SECRET).GET().build());
        if (response.statusCode() != 200) {
            return "(HTTP " + response.statusCode() + ")";
        }
        Versioned held = VersionedCodec.decode(response.body());
        return held.isTombstone() ? "(tombstone)" : new String(held.value(), StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> readiness(int node) {
        return cluster.get(node, "/actuator/health/readiness");
    }

    private static void assertStorageDown(int node, String cause) {
        String health = cluster.get(node, "/actuator/health").body();
        assertThat(JsonPath.<String>read(health, "$.components.storage.status")).as(health).isEqualTo("DOWN");
        assertThat(JsonPath.<String>read(health, "$.components.storage.details.cause")).as(health).contains(cause);
        assertThat(JsonPath.<String>read(health, "$.components.storage.details.dir")).isEqualTo(node3Storage.toString());
    }

    /** Writes until the file system refuses: no space left. */
    private static void fill(Path filler) {
        byte[] chunk = new byte[1024 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
            }
        }
        catch (IOException expected) {
            assertThat(expected).hasMessageContaining("No space left on device");
        }
    }

    private static void damage(Path file, int offset, int length) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.allocate(length);
            channel.read(bytes, offset);
            for (int i = 0; i < length; i++) {
                bytes.put(i, (byte) ~bytes.get(i));
            }
            bytes.rewind();
            channel.write(bytes, offset);
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(30, TimeUnit.SECONDS);
        return output;
    }

    /** Null if the command succeeded, else what it said. */
    private static String runForFailure(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return String.join(" ", command) + " did not finish";
        }
        return process.exitValue() == 0 ? null : String.join(" ", command) + ": " + output.strip();
    }
}
