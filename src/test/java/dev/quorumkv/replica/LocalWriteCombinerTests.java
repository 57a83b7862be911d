package dev.quorumkv.replica;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.antientropy.ReadFence;
import dev.quorumkv.coordinator.GcGrace;
import dev.quorumkv.storage.ReplicaStore;
import dev.quorumkv.storage.rocksdb.RocksDbReplicaStore;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;
import dev.quorumkv.time.ManualTimeSource;
import dev.quorumkv.version.HybridLogicalClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class LocalWriteCombinerTests {

    private final HybridLogicalClock clock = new HybridLogicalClock("n1", new ManualTimeSource(), Duration.ofMinutes(1));
    /** New data: nothing old to fence off. */
    private static final ReadFence NO_FENCE = ReadFence.afterAbsence(0, new GcGrace(Duration.ofDays(10), new ManualTimeSource()));

    @Test
    void aLoneWriteIsWrittenByItsOwnThreadBeforeWriteReturns() {
        RecordingStore store = new RecordingStore();
        LocalWriteCombiner combiner = new LocalWriteCombiner(new LocalReplica(store, clock, NO_FENCE));

        CompletableFuture<Version> written = combiner.write("k", value("v"));

        assertThat(written).isCompleted();
        assertThat(store.writes).containsExactly(List.of("k"));
    }

    @Test
    void writesArrivingWhileAnotherIsWrittenGoTogetherAsTheNextBatchAndTheirCallersDoNotWait() throws Exception {
        RecordingStore store = new RecordingStore();
        store.holdNextWrite();
        LocalWriteCombiner combiner = new LocalWriteCombiner(new LocalReplica(store, clock, NO_FENCE));
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<CompletableFuture<Version>> first = CompletableFuture.supplyAsync(() -> combiner.write("first", value("1")), writer);
            assertThat(store.held.await(10, TimeUnit.SECONDS)).isTrue();

            // The store is still writing "first": these calls return without waiting for it, unwritten.
            CompletableFuture<Version> second = combiner.write("second", value("2"));
            CompletableFuture<Version> third = combiner.write("third", value("3"));
            assertThat(second).isNotDone();
            assertThat(third).isNotDone();
            assertThat(first).isNotDone();

            store.release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> second.isDone() && third.isDone() && first.isDone());
            assertThat(first.join()).isCompleted();
            assertThat(second).isCompleted();
            assertThat(third).isCompleted();
            assertThat(store.writes).containsExactly(List.of("first"), List.of("second", "third"));
        }
        finally {
            store.release.countDown();
            writer.shutdownNow();
        }
    }

    @Test
    void aFailedWriteFailsEveryWriteOfItsBatchAndTheNextWriteIsStillWritten() {
        RecordingStore store = new RecordingStore();
        store.failNextWrite = true;
        LocalWriteCombiner combiner = new LocalWriteCombiner(new LocalReplica(store, clock, NO_FENCE));

        CompletableFuture<Version> failed = combiner.write("lost", value("x"));
        CompletableFuture<Version> next = combiner.write("kept", value("y"));

        assertThatThrownBy(failed::join).hasRootCauseMessage("disk full");
        assertThat(next).isCompleted();
        assertThat(store.writes).containsExactly(List.of("lost"), List.of("kept"));
    }

    @Test
    void manyThreadsWritingAtOnceLoseNoWriteAndStrandNone(@TempDir Path dir) throws Exception {
        int threads = 8;
        int perThread = 500;
        try (RocksDbReplicaStore store = new RocksDbReplicaStore(dir, false)) {
            LocalWriteCombiner combiner = new LocalWriteCombiner(new LocalReplica(store, clock, NO_FENCE));
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<CompletableFuture<Version>> written = new CopyOnWriteArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            try {
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    pool.execute(() -> {
                        awaitQuietly(start);
                        for (int i = 0; i < perThread; i++) {
                            written.add(combiner.write("t" + thread + "-" + i, value("v" + i)));
                        }
                    });
                }
                start.countDown();
                pool.shutdown();
                assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            }
            finally {
                pool.shutdownNow();
            }

            // Every caller has returned, so no write may still be waiting for a writer.
            assertThat(written).hasSize(threads * perThread).allSatisfy(write -> assertThat(write).isCompleted());
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < perThread; i++) {
                    assertThat(store.get("t" + t + "-" + i)).map(Versioned::value).get()
                            .isEqualTo(("v" + i).getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }

    private Versioned value(String text) {
        return Versioned.value(clock.stampAfter(null), "text/plain", text.getBytes(StandardCharsets.UTF_8));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /** Records the keys of each store write; can hold the next write until released, or fail it. */
    private static final class RecordingStore implements ReplicaStore {

        final List<List<String>> writes = new CopyOnWriteArrayList<>();
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private volatile boolean holdNext;
        volatile boolean failNextWrite;

        void holdNextWrite() {
            holdNext = true;
        }

        @Override
        public Optional<Versioned> get(String key) {
            return Optional.empty();
        }

        @Override
        public boolean putIfNewer(String key, Versioned incoming) {
            return putAllIfNewer(List.of(new KeyedValue(key, incoming))) == 1;
        }

        @Override
        public int putAllIfNewer(List<KeyedValue> batch) {
            List<String> keys = new ArrayList<>();
            batch.forEach(write -> keys.add(write.key()));
            writes.add(keys);
            if (holdNext) {
                holdNext = false;
                held.countDown();
                awaitQuietly(release);
            }
            if (failNextWrite) {
                failNextWrite = false;
                throw new IllegalStateException("disk full");
            }
            return batch.size();
        }
    }
}
