package dev.quorumkv.storage.rocksdb;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param dir   where RocksDB keeps this node's data; default {@code ./data/<node-id>}
 * @param fsync whether each write waits for the write-ahead log to reach the disk. Off (the default), an
 *              acknowledged write survives a crash of the process (kill -9) but not of the machine.
 */
@ConfigurationProperties("quorumkv.storage")
public record StorageProperties(Path dir, @DefaultValue("false") boolean fsync) {
}
