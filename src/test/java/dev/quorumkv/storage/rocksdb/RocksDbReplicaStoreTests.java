package dev.quorumkv.storage.rocksdb;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

import dev.quorumkv.storage.KeyOrder;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.Stamp;
import dev.quorumkv.storage.StorageException;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

import static org.assertj.core.api.Assertions.assertThat;

class RocksDbReplicaStoreTests {

    @TempDir
    Path dir;

    @Test
    void reorderedAndDuplicatedDeliveriesNeverRegressAKey() {
        Random random = new Random(42);
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            for (int round = 0; round < 50; round++) {
                String key = "k" + round;
                List<Versioned> deliveries = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    Versioned write = value(1_000 + random.nextInt(50), random.nextInt(3), "n" + random.nextInt(3), "v" + i);
                    deliveries.add(write);
                    if (random.nextBoolean()) {
                        deliveries.add(write);
                    }
                }
                Collections.shuffle(deliveries, random);
                Versioned newest = deliveries.stream().max((a, b) -> a.version().compareTo(b.version())).orElseThrow();
                Version highestSeen = null;
                for (Versioned delivery : deliveries) {
                    store.putIfNewer(key, delivery);
                    Version held = store.get(key).orElseThrow().version();
                    if (highestSeen != null) {
                        assertThat(held).isGreaterThanOrEqualTo(highestSeen);
                    }
                    highestSeen = held;
                }
                assertThat(store.get(key).orElseThrow().version()).isEqualTo(newest.version());
            }
        }
    }

    @Test
    void concurrentWritersToOneKeyLeaveTheNewest() throws Exception {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            inFourThreads(thread -> {
                for (int i = 0; i < 500; i++) {
                    store.putIfNewer("hot", value(i, thread, "n" + thread, "x"));
                }
            });
            assertThat(store.get("hot").orElseThrow().version()).isEqualTo(new Version(499, 3, "n3"));
        }
    }

    @Test
    void aScanVisitsKeysInTheOrderOfKeyOrderFromAfterItsStartUntilTheVisitorStops() {
        List<String> keys = new ArrayList<>(List.of("b", "a", "\uD83D\uDE00", "\uFFFD", "a\u00e9", "ab"));
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            keys.forEach(key -> store.putIfNewer(key, value(1, 0, "n1", key)));
            store.putIfNewer("b", Versioned.tombstone(new Version(2, 0, "n1")));
            keys.sort(KeyOrder.UTF8);

            List<String> all = new ArrayList<>();
            store.scan(null, (key, stamp) -> all.add(key));
            List<String> fromA = new ArrayList<>();
            store.scan("a", (key, stamp) -> fromA.add(key) && fromA.size() < 2);
            List<Stamp> stampsOfB = new ArrayList<>();
            store.scan("a\u00e9", (key, stamp) -> !stampsOfB.add(stamp));

            assertThat(all).containsExactlyElementsOf(keys);
            assertThat(fromA).containsExactly(keys.get(1), keys.get(2));
            assertThat(stampsOfB).containsExactly(new Stamp(new Version(2, 0, "n1"), true));
        }
    }

    @Test
    void aKeyIsRemovedAtTheVersionSeenOnlyValueOrTombstoneAndNotAfterANewerWrite() {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            store.putIfNewer("v", value(1, 0, "n1", "x"));
            store.putIfNewer("t", Versioned.tombstone(new Version(2, 0, "n1")));
            store.putIfNewer("w", value(3, 0, "n1", "y"));
            store.putIfNewer("w", value(4, 0, "n1", "z"));

            assertThat(store.removeAt("v", new Version(1, 0, "n1"))).isTrue();
            assertThat(store.removeAt("t", new Version(2, 0, "n1"))).isTrue();
            assertThat(store.removeAt("w", new Version(3, 0, "n1"))).as("a newer write arrived since").isFalse();
            assertThat(store.get("v")).isEmpty();
            assertThat(store.get("t")).isEmpty();
            assertThat(store.get("w")).isPresent();
        }
    }

    @Test
    void aTombstoneIsRemovedOnlyAtTheVersionSeenAndNeverAValue() {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            store.putIfNewer("v", value(1, 0, "n1", "x"));
            store.putIfNewer("t", Versioned.tombstone(new Version(2, 0, "n1")));

            assertThat(store.removeTombstone("v", new Version(1, 0, "n1"))).isFalse();
            assertThat(store.removeTombstone("t", new Version(1, 0, "n1"))).isFalse();
            assertThat(store.removeTombstone("t", new Version(2, 0, "n1"))).isTrue();
            assertThat(store.get("t")).isEmpty();
            assertThat(store.get("v")).isPresent();
        }
    }

    @Test
    void applyIfNewerReportsWhetherItApplied() {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            assertThat(store.putIfNewer("k", value(2, 0, "n1", "new"))).isTrue();
            assertThat(store.putIfNewer("k", value(1, 0, "n1", "old"))).isFalse();
            assertThat(store.putIfNewer("k", value(2, 0, "n1", "same"))).isFalse();
            assertThat(new String(store.get("k").orElseThrow().value(), StandardCharsets.UTF_8)).isEqualTo("new");
        }
    }

    @Test
    void aBatchAppliesOnlyWhatIsNewerAndTheNewestOfDuplicateKeys() {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            store.putIfNewer("held-newer", value(10, 0, "n1", "kept"));

            int applied = store.putAllIfNewer(List.of(
                    new KeyedValue("held-newer", value(5, 0, "n2", "older")),
                    new KeyedValue("fresh", value(1, 0, "n1", "first")),
                    new KeyedValue("fresh", value(3, 0, "n1", "third")),
                    new KeyedValue("fresh", value(2, 0, "n1", "second"))));

            assertThat(applied).isEqualTo(1);
            assertThat(new String(store.get("held-newer").orElseThrow().value(), StandardCharsets.UTF_8)).isEqualTo("kept");
            assertThat(new String(store.get("fresh").orElseThrow().value(), StandardCharsets.UTF_8)).isEqualTo("third");
        }
    }

    @Test
    void concurrentOverlappingBatchesNeitherDeadlockNorRegress() throws Exception {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            inFourThreads(thread -> {
                for (int i = 0; i < 200; i++) {
                    List<KeyedValue> batch = new ArrayList<>();
                    for (int k = 0; k < 20; k++) {
                        // Each thread walks the keys in a different order: lock order must not depend on it.
                        int key = thread % 2 == 0 ? k : 19 - k;
                        batch.add(new KeyedValue("k" + key, value(i, thread, "n" + thread, "x")));
                    }
                    store.putAllIfNewer(batch);
                }
            });
            for (int k = 0; k < 20; k++) {
                assertThat(store.get("k" + k).orElseThrow().version()).isEqualTo(new Version(199, 3, "n3"));
            }
        }
    }

    @Test
    void dataAndTombstonesSurviveAReopen() {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            store.putIfNewer("kept", value(1, 0, "n1", "bytes"));
            store.putIfNewer("deleted", value(1, 0, "n1", "gone"));
            store.putIfNewer("deleted", Versioned.tombstone(new Version(2, 0, "n1")));
        }
        try (RocksDbReplicaStore reopened = new RocksDbReplicaStore(dir, false)) {
            assertThat(reopened.get("kept").orElseThrow().value()).isEqualTo("bytes".getBytes(StandardCharsets.UTF_8));
            assertThat(reopened.get("deleted").orElseThrow().isTombstone()).isTrue();
            assertThat(reopened.get("never")).isEmpty();
        }
    }

    @Test
    void getAllAnswersEachKeyInTheOrderAskedWithTombstonesAndAbsentKeys() {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            store.putIfNewer("a", value(1, 0, "n1", "first"));
            store.putIfNewer("b", Versioned.tombstone(new Version(2, 0, "n1")));
            store.putIfNewer("c", value(1, 0, "n1", "third"));

            List<Optional<Versioned>> answers = store.getAll(List.of("c", "absent", "b", "a", "c"));

            assertThat(answers).hasSize(5);
            assertThat(answers.get(0).orElseThrow().value()).isEqualTo("third".getBytes(StandardCharsets.UTF_8));
            assertThat(answers.get(1)).isEmpty();
            assertThat(answers.get(2).orElseThrow().isTombstone()).isTrue();
            assertThat(answers.get(3).orElseThrow().value()).isEqualTo("first".getBytes(StandardCharsets.UTF_8));
            assertThat(answers.get(4).orElseThrow().value()).isEqualTo("third".getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Bloom filters only change speed, so the options RocksDB recorded for the database are what can be checked. */
    @Test
    void theDatabaseIsOpenedWithBloomFiltersForTableFilesAndTheMemtable() throws Exception {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            store.putIfNewer("k", value(1, 0, "n1", "v"));
        }
        Path optionsFile;
        try (var files = Files.list(dir)) {
            optionsFile = files.filter(file -> file.getFileName().toString().startsWith("OPTIONS-")).max(Path::compareTo).orElseThrow();
        }
        String options = Files.readString(optionsFile);

        assertThat(options).containsPattern("filter_policy=.*[Bb]loom").doesNotContain("filter_policy=nullptr")
                .contains("memtable_whole_key_filtering=true").doesNotContain("memtable_prefix_bloom_size_ratio=0.000000");
    }

    @Test
    void aFailedWriteIsRememberedUntilAWriteSucceeds() {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            StorageException refused = store.failed("write", noSpace());

            assertThat(refused).hasMessageContaining("No space left on device");
            assertThat(store.failure()).hasValueSatisfying(failure -> {
                assertThat(failure.cause()).contains("write failed (IOError, NoSpace)", "No space left on device");
                assertThat(failure.damaged()).isFalse();
            });

            store.putIfNewer("k", value(1, 0, "n1", "v"));

            assertThat(store.failure()).isEmpty();
        }
    }

    @Test
    void recoverClearsAFailureOnceTheStoreWritesAgainAndKeepsTheData() {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            store.putIfNewer("kept", value(1, 0, "n1", "bytes"));
            store.failed("write", noSpace());

            assertThat(store.recover()).isTrue();

            assertThat(store.failure()).isEmpty();
            assertThat(store.get("kept").orElseThrow().value()).isEqualTo("bytes".getBytes(StandardCharsets.UTF_8));
            assertThat(store.get("")).as("the probe leaves no key behind").isEmpty();
        }
    }

    @Test
    void aDamagedTableFileIsAnErrorAndStaysReportedNeverAWrongAnswer() throws Exception {
        byte[] payload = new byte[200];
        new Random(7).nextBytes(payload);
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            for (int i = 0; i < 2_000; i++) {
                store.putIfNewer(String.format("key%05d", i), Versioned.value(new Version(1, 0, "n1"), "application/octet-stream", payload));
            }
        }
        new RocksDbReplicaStore(dir, false).close(); // opening replays the write-ahead log into a table file
        Path table;
        try (var files = Files.list(dir)) {
            table = files.filter(file -> file.getFileName().toString().endsWith(".sst")).findFirst().orElseThrow();
        }
        damage(table, 100, 64);

        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            int errors = 0;
            for (int i = 0; i < 2_000; i++) {
                try {
                    assertThat(store.get(String.format("key%05d", i)).orElseThrow().value()).isEqualTo(payload);
                }
                catch (StorageException ex) {
                    errors++;
                }
            }
            assertThat(errors).as("reads of the damaged block fail").isPositive();
            assertThat(store.failure()).hasValueSatisfying(failure -> {
                assertThat(failure.damaged()).isTrue();
                assertThat(failure.cause()).startsWith("read failed (Corruption): ");
            });

            store.putIfNewer("another", value(1, 0, "n1", "v"));

            assertThat(store.recover()).isFalse();
            assertThat(store.failure()).as("damage stays reported after a write elsewhere").isPresent();
        }
    }

    /** What RocksDB says when the write-ahead log cannot grow. */
    static RocksDBException noSpace() {
        return new RocksDBException("IO error: No space left on device: While appending to file: 000008.log",
                new Status(Status.Code.IOError, Status.SubCode.NoSpace, "No space left on device: While appending to file: 000008.log"));
    }

    private static void damage(Path file, int offset, int length) throws Exception {
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(length);
            channel.read(bytes, offset);
            bytes.flip();
            for (int i = 0; i < length; i++) {
                bytes.put(i, (byte) ~bytes.get(i));
            }
            channel.write(bytes, offset);
        }
    }

    /** Runs {@code work} in four threads at once (thread numbers 0..3) and waits for all of them. */
    private static void inFourThreads(IntConsumer work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                threads.add(pool.submit(() -> work.accept(thread)));
            }
            for (Future<?> thread : threads) {
                thread.get();
            }
        }
        finally {
            pool.shutdown();
        }
    }

    private static Versioned value(long wall, int counter, String node, String text) {
        return Versioned.value(new Version(wall, counter, node), "text/plain", text.getBytes(StandardCharsets.UTF_8));
    }
}
