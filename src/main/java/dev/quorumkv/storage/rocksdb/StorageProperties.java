package dev.quorumkv.storage.rocksdb;

import java.nio.file.Path;

import dev.quorumkv.InvalidConfigurationException;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * @param dir     where RocksDB keeps this node's data; default {@code ./data/<node-id>}
 * @param fsync   whether each write waits for the write-ahead log to reach the disk. Off (the default), an
 *                acknowledged write survives a crash of the process (kill -9) but not of the machine.
 * @param minFree the usable space the file system of {@code dir} must keep; below it storage health is DOWN
 *                and the node not ready, before RocksDB runs out of space mid-write
 */
@Validated
@ConfigurationProperties("quorumkv.storage")
public record StorageProperties(Path dir, @DefaultValue("false") boolean fsync,
        @DefaultValue("64MB") @NotNull DataSize minFree) {

    public StorageProperties {
        if (minFree != null && minFree.isNegative()) {
            throw new InvalidConfigurationException(
                    "quorumkv.storage.min-free must not be negative (it is " + minFree + "): set 0B to never report low space");
        }
    }
}
