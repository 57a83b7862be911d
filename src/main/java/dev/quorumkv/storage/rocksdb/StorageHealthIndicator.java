package dev.quorumkv.storage.rocksdb;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** Storage state for /actuator/health and the readiness group: a node whose store is closed cannot serve. */
class StorageHealthIndicator implements HealthIndicator {

    private final RocksDbReplicaStore store;

    StorageHealthIndicator(RocksDbReplicaStore store) {
        this.store = store;
    }

    @Override
    public Health health() {
        Health.Builder health = store.isOpen() ? Health.up() : Health.down();
        health.withDetail("engine", "rocksdb").withDetail("dir", store.dir().toString());
        if (store.isOpen()) {
            health.withDetail("estimatedKeys", store.estimatedKeys());
        }
        return health.build();
    }
}
