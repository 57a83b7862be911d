package dev.quorumkv.storage;

import java.nio.file.Path;

/**
 * The directory this node's data lives in ({@code quorumkv.storage.dir}), opened by the storage engine: whatever
 * else must live and die with the data (the topology log's storage) goes under it.
 */
public record DataDirectory(Path path) {
}
