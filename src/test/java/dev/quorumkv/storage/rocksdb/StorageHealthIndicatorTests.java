package dev.quorumkv.storage.rocksdb;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/** The storage health rules, on a real store whose file system's free space the test decides. */
class StorageHealthIndicatorTests {

    private static final DataSize MIN_FREE = DataSize.ofMegabytes(64);

    @TempDir
    Path dir;

    private RocksDbReplicaStore store;
    private final AtomicLong free = new AtomicLong(MIN_FREE.toBytes() * 10);
    private final List<Path> asked = new ArrayList<>();
    private StorageHealthIndicator indicator;

    @BeforeEach
    void openStore() {
        store = new RocksDbReplicaStore(dir.resolve("data"), false);
        indicator = new StorageHealthIndicator(store, MIN_FREE, path -> {
            asked.add(path);
            return free.get();
        });
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void upWithTheDirectoryItsFreeSpaceAndMinFreeWhenThereIsRoom() {
        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("dir", store.dir().toString())
                .containsEntry("freeBytes", free.get()).containsEntry("minFreeBytes", MIN_FREE.toBytes())
                .doesNotContainKey("cause");
    }

    @Test
    void theFreeSpaceIsThatOfTheStorageDirectoryNotTheWorkingDirectory() {
        indicator.health();

        assertThat(asked).containsOnly(store.dir());
    }

    @Test
    void downWithACauseWhenTheStorageFileSystemHasLessThanMinFree() {
        free.set(MIN_FREE.toBytes() - 1);

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("freeBytes", MIN_FREE.toBytes() - 1);
        assertThat((String) health.getDetails().get("cause")).contains("below quorumkv.storage.min-free", store.dir().toString());
    }

    @Test
    void exactlyMinFreeIsEnough() {
        free.set(MIN_FREE.toBytes());

        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void downWhenTheFreeSpaceCannotBeRead() {
        StorageHealthIndicator unreadable = new StorageHealthIndicator(store, MIN_FREE, path -> {
            throw new IOException("no such file system");
        });

        Health health = unreadable.health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) health.getDetails().get("cause")).contains("cannot be read", "no such file system");
    }

    @Test
    void downWhenTheStoreIsClosed() {
        store.close();

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("cause", "the store is closed");
    }

    @Test
    void aWriteFailureStaysDownWhileSpaceIsLowAndRecoversByItselfWhenSpaceReturns() {
        store.failed("write", RocksDbReplicaStoreTests.noSpace());
        free.set(0);

        Health low = indicator.health();
        assertThat(low.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) low.getDetails().get("lastFailure")).contains("No space left on device");
        assertThat(store.failure()).as("nothing is recovered while space is low").isPresent();

        free.set(MIN_FREE.toBytes() * 2);
        Health back = indicator.health();

        assertThat(back.getStatus()).isEqualTo(Status.UP);
        assertThat(store.failure()).isEmpty();
    }

    @Test
    void damagedFilesStayDownWithTheirCauseWhateverTheSpace() {
        store.failed("read", new RocksDBException("block checksum mismatch",
                new org.rocksdb.Status(org.rocksdb.Status.Code.Corruption, org.rocksdb.Status.SubCode.None, "block checksum mismatch")));

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) health.getDetails().get("cause")).contains("read failed", "block checksum mismatch");
        assertThat(health.getDetails()).containsEntry("damaged", true);
    }
}
