package dev.quorumkv.storage.rocksdb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import dev.quorumkv.storage.rocksdb.RocksDbReplicaStore.StorageFailure;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.util.unit.DataSize;

/**
 * Storage state for /actuator/health and the readiness group: a node whose store cannot write cannot serve.
 * DOWN, with a {@code cause}, when the store is closed, when the file system holding the storage directory
 * (not the working directory) has less usable space than {@code quorumkv.storage.min-free}, or when the
 * store reports a failed read or write. Once there is space again it asks the store to {@link
 * RocksDbReplicaStore#recover() recover}, so the node comes back by itself.
 */
class StorageHealthIndicator implements HealthIndicator {

    /** The usable bytes on the file system holding a directory. */
    @FunctionalInterface
    interface UsableSpace {

        long of(Path dir) throws IOException;

        static UsableSpace fileStore() {
            return dir -> Files.getFileStore(dir).getUsableSpace();
        }
    }

    private final RocksDbReplicaStore store;
    private final long minFree;
    private final UsableSpace usableSpace;

    StorageHealthIndicator(RocksDbReplicaStore store, DataSize minFree, UsableSpace usableSpace) {
        this.store = store;
        this.minFree = minFree.toBytes();
        this.usableSpace = usableSpace;
    }

    @Override
    public Health health() {
        Health.Builder health = Health.up().withDetail("engine", "rocksdb").withDetail("dir", store.dir().toString())
                .withDetail("minFreeBytes", minFree);
        if (!store.isOpen()) {
            return health.down().withDetail("cause", "the store is closed").build();
        }
        long free;
        try {
            free = usableSpace.of(store.dir());
        }
        catch (IOException | RuntimeException ex) {
            return withFailure(health.down(), store.failure())
                    .withDetail("cause", "the free space on the file system of " + store.dir() + " cannot be read: " + ex)
                    .build();
        }
        health.withDetail("freeBytes", free);
        if (free < minFree) {
            return withFailure(health.down(), store.failure())
                    .withDetail("cause", "only " + free + " bytes are free on the file system of " + store.dir()
                            + ", below quorumkv.storage.min-free (" + minFree + " bytes)")
                    .build();
        }
        if (!store.recover()) {
            Optional<StorageFailure> failure = store.failure();
            return health.down()
                    .withDetail("cause", failure.map(StorageFailure::cause).orElse("the store cannot write"))
                    .withDetail("damaged", failure.map(StorageFailure::damaged).orElse(false))
                    .build();
        }
        return health.withDetail("estimatedKeys", store.estimatedKeys()).build();
    }

    private static Health.Builder withFailure(Health.Builder health, Optional<StorageFailure> failure) {
        failure.ifPresent(seen -> health.withDetail("lastFailure", seen.cause()).withDetail("damaged", seen.damaged()));
        return health;
    }
}
