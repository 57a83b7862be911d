package dev.quorumkv.storage;

/** One write of a batch: a key and the versioned value (or tombstone) to store under it. */
public record KeyedValue(String key, Versioned value) {
}
