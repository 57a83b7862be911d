package dev.quorumkv.storage.rocksdb;

import java.nio.file.Path;

import dev.quorumkv.QuorumKvProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

    /** Closed by Spring after the web server has stopped taking requests (graceful shutdown). */
    @Bean(destroyMethod = "close")
    RocksDbReplicaStore replicaStore(StorageProperties properties, QuorumKvProperties node) {
        Path dir = properties.dir() != null ? properties.dir() : Path.of("data", node.resolvedNodeId());
        return new RocksDbReplicaStore(dir, properties.fsync());
    }

    @Bean("storage")
    StorageHealthIndicator storageHealthIndicator(RocksDbReplicaStore store, StorageProperties properties) {
        return new StorageHealthIndicator(store, properties.minFree(), StorageHealthIndicator.UsableSpace.fileStore());
    }
}
