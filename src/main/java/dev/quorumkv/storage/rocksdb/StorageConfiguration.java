package dev.quorumkv.storage.rocksdb;

import java.nio.file.Path;

import dev.quorumkv.QuorumKvProperties;
import dev.quorumkv.storage.DataDirectory;
import dev.quorumkv.storage.HintStore;
import dev.quorumkv.storage.HostId;
import dev.quorumkv.version.ClockStateStore;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

    /** Closed by Spring after the web server has stopped taking requests (graceful shutdown). */
    @Bean(destroyMethod = "close")
    RocksDbReplicaStore replicaStore(StorageProperties properties, QuorumKvProperties node) {
        return new RocksDbReplicaStore(dataDir(properties, node), properties.fsync());
    }

    /** The clock's mark lives with the data it protects: a new data directory starts a new clock. */
    @Bean
    ClockStateStore clockStateStore(RocksDbReplicaStore store) {
        return new FileClockStateStore(store.dir());
    }

    /** Read once the store has opened the directory, so a directory RocksDB refuses never gets an id. */
    @Bean
    HostId hostId(RocksDbReplicaStore store) {
        return HostIdFile.loadOrCreate(store.dir());
    }

    /** Once the store has opened it: the topology log keeps its storage there too, so a lost disk loses both. */
    @Bean
    DataDirectory dataDirectory(RocksDbReplicaStore store) {
        return new DataDirectory(store.dir());
    }

    /** Hints live in the same database as the keys: one write-ahead log, one directory to keep. */
    @Bean
    HintStore hintStore(RocksDbReplicaStore store) {
        return new RocksDbHintStore(store);
    }

    private static Path dataDir(StorageProperties properties, QuorumKvProperties node) {
        return properties.dir() != null ? properties.dir() : Path.of("data", node.resolvedNodeId());
    }

    @Bean("storage")
    StorageHealthIndicator storageHealthIndicator(RocksDbReplicaStore store, StorageProperties properties) {
        return new StorageHealthIndicator(store, properties.minFree(), StorageHealthIndicator.UsableSpace.fileStore());
    }
}
