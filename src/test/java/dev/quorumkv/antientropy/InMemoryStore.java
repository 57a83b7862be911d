package dev.quorumkv.antientropy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Collectors;

import dev.quorumkv.storage.KeyOrder;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.ReplicaStore;
import dev.quorumkv.storage.Stamp;
import dev.quorumkv.storage.StampedKeys;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.WriteObserver;
import dev.quorumkv.version.Version;

/** A replica's store in memory, newer wins, with the anti-entropy port: what a RocksDB store does, minus the disk. */
class InMemoryStore implements ReplicaStore, StampedKeys {

    private final ConcurrentSkipListMap<String, Versioned> keys = new ConcurrentSkipListMap<>(KeyOrder.UTF8);
    private volatile WriteObserver observer = (key, before, after) -> { };

    @Override
    public Optional<Versioned> get(String key) {
        return Optional.ofNullable(keys.get(key));
    }

    @Override
    public synchronized boolean putIfNewer(String key, Versioned incoming) {
        Versioned held = keys.get(key);
        if (!incoming.isNewerThan(held)) {
            return false;
        }
        keys.put(key, incoming);
        observer.changed(key, held == null ? null : Stamp.of(held), Stamp.of(incoming));
        return true;
    }

    @Override
    public synchronized int putAllIfNewer(List<KeyedValue> writes) {
        return (int) writes.stream().filter(write -> putIfNewer(write.key(), write.value())).count();
    }

    @Override
    public void observeChanges(WriteObserver observer) {
        this.observer = observer;
    }

    @Override
    public void scan(String after, StampVisitor visitor) {
        Map<String, Versioned> from = after == null ? keys : keys.tailMap(after, false);
        for (var entry : from.entrySet()) {
            if (!visitor.visit(entry.getKey(), Stamp.of(entry.getValue()))) {
                return;
            }
        }
    }

    @Override
    public synchronized boolean removeTombstone(String key, Version version) {
        Versioned held = keys.get(key);
        if (held == null || !held.isTombstone() || !held.version().equals(version)) {
            return false;
        }
        keys.remove(key);
        observer.changed(key, Stamp.of(held), null);
        return true;
    }

    @Override
    public synchronized boolean removeAt(String key, Version version) {
        Versioned held = keys.get(key);
        if (held == null || !held.version().equals(version)) {
            return false;
        }
        keys.remove(key);
        observer.changed(key, Stamp.of(held), null);
        return true;
    }

    /** Each key's version and value (or "tombstone") as text: comparable between stores, unlike byte arrays. */
    Map<String, String> contents() {
        return keys.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, entry -> entry.getValue().version() + " "
                + (entry.getValue().isTombstone() ? "tombstone" : new String(entry.getValue().value(), StandardCharsets.UTF_8))));
    }
}
