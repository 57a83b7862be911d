package dev.quorumkv.storage.rocksdb;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import dev.quorumkv.storage.HintStore.Hint;
import dev.quorumkv.storage.HintStore.Outcome;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import static org.assertj.core.api.Assertions.assertThat;

class RocksDbHintStoreTests {

    private static final long NO_LIMIT = Long.MAX_VALUE;

    @TempDir
    Path dir;

    @Test
    void hintsSurviveARestartWithTheirCounts() {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            RocksDbHintStore hints = new RocksDbHintStore(store);
            hints.store(hint("n2", "a", value(1, "x"), 100), NO_LIMIT);
            hints.store(hint("n2", "b", Versioned.tombstone(new Version(2, 0, "n1")), 200), NO_LIMIT);
            hints.store(hint("n3", "a", value(1, "x"), 100), NO_LIMIT);
        }
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            RocksDbHintStore hints = new RocksDbHintStore(store);

            assertThat(hints.count("n2")).isEqualTo(2);
            assertThat(hints.count("n3")).isEqualTo(1);
            assertThat(hints.bytes("n2")).isGreaterThan(hints.bytes("n3"));
            List<Hint> n2 = hints.scan("n2", null, 10, NO_LIMIT);
            assertThat(n2).extracting(Hint::key).containsExactly("a", "b");
            assertThat(text(n2.get(0).value())).isEqualTo("x");
            assertThat(n2.get(0).storedAtMillis()).isEqualTo(100);
            assertThat(n2.get(1).value().isTombstone()).isTrue();
            assertThat(n2.get(1).value().version()).isEqualTo(new Version(2, 0, "n1"));
            assertThat(store.get("a")).as("hints are not the replica's own keys").isEmpty();
        }
    }

    @Test
    void aDatabaseFromBeforeHintsOpensWithItsKeysAndTakesHints() throws Exception {
        Path older = dir.resolve("older");
        try (Options options = new Options().setCreateIfMissing(true); RocksDB plain = RocksDB.open(options, older.toString())) {
            plain.put("k".getBytes(StandardCharsets.UTF_8), VersionedCodec.encode(value(1, "from before hints")));
        }

        try (RocksDbReplicaStore store = new RocksDbReplicaStore(older, false)) {
            RocksDbHintStore hints = new RocksDbHintStore(store);

            assertThat(text(store.get("k").orElseThrow())).isEqualTo("from before hints");
            assertThat(hints.store(hint("n2", "k", value(2, "hinted"), 1), NO_LIMIT)).isEqualTo(Outcome.STORED);
        }
    }

    @Test
    void aNewerHintForAKeyReplacesTheOlderAndAnOlderOneChangesNothing() {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            RocksDbHintStore hints = new RocksDbHintStore(store);

            assertThat(hints.store(hint("n2", "k", value(1, "old"), 1), NO_LIMIT)).isEqualTo(Outcome.STORED);
            assertThat(hints.store(hint("n2", "k", value(3, "newer-and-longer"), 2), NO_LIMIT)).isEqualTo(Outcome.STORED);
            assertThat(hints.store(hint("n2", "k", value(2, "late"), 3), NO_LIMIT)).isEqualTo(Outcome.SUPERSEDED);
            assertThat(hints.store(hint("n2", "k", value(3, "same"), 4), NO_LIMIT)).isEqualTo(Outcome.SUPERSEDED);

            assertThat(hints.count("n2")).isEqualTo(1);
            assertThat(hints.scan("n2", null, 10, NO_LIMIT)).singleElement()
                    .satisfies(held -> assertThat(text(held.value())).isEqualTo("newer-and-longer"));
            long bytes = hints.bytes("n2");
            hints.deleteIfUnchanged("n2", "k", new Version(3, 0, "n1"));
            assertThat(bytes).as("the replaced hint's bytes are no longer counted").isPositive();
            assertThat(hints.bytes("n2")).isZero();
        }
    }

    @Test
    void aHintReplacedWhileBeingDeliveredIsNotDeleted() {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            RocksDbHintStore hints = new RocksDbHintStore(store);
            hints.store(hint("n2", "k", value(1, "sent"), 1), NO_LIMIT);
            hints.store(hint("n2", "k", value(2, "replaced meanwhile"), 2), NO_LIMIT);

            assertThat(hints.deleteIfUnchanged("n2", "k", new Version(1, 0, "n1"))).isFalse();
            assertThat(hints.count("n2")).isEqualTo(1);

            assertThat(hints.deleteIfUnchanged("n2", "k", new Version(2, 0, "n1"))).isTrue();
            assertThat(hints.count("n2")).isZero();
            assertThat(hints.scan("n2", null, 10, NO_LIMIT)).isEmpty();
        }
    }

    @Test
    void aTargetOverItsLimitTakesNoMoreHintsWhileOthersDo() {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            RocksDbHintStore hints = new RocksDbHintStore(store);
            assertThat(hints.store(hint("n2", "a", value(1, "x".repeat(100)), 1), 300)).isEqualTo(Outcome.STORED);
            assertThat(hints.store(hint("n2", "b", value(1, "x".repeat(100)), 1), 300)).isEqualTo(Outcome.STORED);

            assertThat(hints.store(hint("n2", "c", value(1, "x".repeat(100)), 1), 300)).isEqualTo(Outcome.FULL);
            assertThat(hints.store(hint("n3", "c", value(1, "x".repeat(100)), 1), 300)).isEqualTo(Outcome.STORED);
            assertThat(hints.store(hint("n2", "a", value(2, "y"), 1), 300))
                    .as("a replacement that makes the hints smaller is always kept").isEqualTo(Outcome.STORED);
            assertThat(hints.scan("n2", null, 10, NO_LIMIT)).extracting(Hint::key).containsExactly("a", "b");
        }
    }

    /** Target ids of different lengths and one that is a prefix of another never mix their hints. */
    @Test
    void aScanReturnsOneTargetsHintsInKeyOrderFromWhereTheLastStopped() {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            RocksDbHintStore hints = new RocksDbHintStore(store);
            for (String key : List.of("d", "a", "c", "b", "e")) {
                hints.store(hint("n1", key, value(1, key), 1), NO_LIMIT);
            }
            hints.store(hint("n10", "a", value(1, "other"), 1), NO_LIMIT);
            hints.store(hint("n", "a", value(1, "other"), 1), NO_LIMIT);

            assertThat(hints.scan("n1", null, 2, NO_LIMIT)).extracting(Hint::key).containsExactly("a", "b");
            assertThat(hints.scan("n1", "b", 2, NO_LIMIT)).extracting(Hint::key).containsExactly("c", "d");
            assertThat(hints.scan("n1", "d", 2, NO_LIMIT)).extracting(Hint::key).containsExactly("e");
            assertThat(hints.scan("n1", "e", 2, NO_LIMIT)).isEmpty();
            assertThat(hints.scan("n10", null, 10, NO_LIMIT)).extracting(Hint::target).containsExactly("n10");
        }
    }

    @Test
    void aScanStopsOnceItsHintsTakeTheByteLimitButTakesAtLeastOne() {
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            RocksDbHintStore hints = new RocksDbHintStore(store);
            for (String key : List.of("a", "b", "c")) {
                hints.store(hint("n2", key, value(1, "x".repeat(1000)), 1), NO_LIMIT);
            }

            assertThat(hints.scan("n2", null, 10, 1500)).extracting(Hint::key).containsExactly("a", "b");
            assertThat(hints.scan("n2", null, 10, 1)).extracting(Hint::key).containsExactly("a");
        }
    }

    private static Hint hint(String target, String key, Versioned value, long storedAtMillis) {
        return new Hint(target, key, value, storedAtMillis);
    }

    private static Versioned value(long wallMillis, String text) {
        return Versioned.value(new Version(wallMillis, 0, "n1"), "text/plain", text.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(Versioned value) {
        return new String(value.value(), StandardCharsets.UTF_8);
    }
}
