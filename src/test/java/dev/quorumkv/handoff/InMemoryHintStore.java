package dev.quorumkv.handoff;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

import dev.quorumkv.storage.HintStore;
import dev.quorumkv.version.Version;

/** The hint store's contract in memory; a hint's bytes are its value's length, so limits are easy to state. */
final class InMemoryHintStore implements HintStore {

    private final Map<String, NavigableMap<String, Hint>> targets = new TreeMap<>();

    @Override
    public synchronized Outcome store(Hint hint, long maxBytes) {
        NavigableMap<String, Hint> held = targets.computeIfAbsent(hint.target(), target -> new TreeMap<>());
        Hint existing = held.get(hint.key());
        if (existing != null && !hint.value().version().isNewerThan(existing.value().version())) {
            return Outcome.SUPERSEDED;
        }
        long added = size(hint) - (existing == null ? 0 : size(existing));
        if (added > 0 && bytes(hint.target()) + added > maxBytes) {
            return Outcome.FULL;
        }
        held.put(hint.key(), hint);
        return Outcome.STORED;
    }

    @Override
    public synchronized List<Hint> scan(String target, String afterKey, int limit, long maxBytes) {
        NavigableMap<String, Hint> held = targets.getOrDefault(target, new TreeMap<>());
        List<Hint> found = new ArrayList<>();
        long bytes = 0;
        for (Hint hint : (afterKey == null ? held : held.tailMap(afterKey, false)).values()) {
            if (found.size() == limit || bytes >= maxBytes) {
                break;
            }
            found.add(hint);
            bytes += size(hint);
        }
        return found;
    }

    @Override
    public synchronized boolean deleteIfUnchanged(String target, String key, Version version) {
        NavigableMap<String, Hint> held = targets.get(target);
        Hint existing = held == null ? null : held.get(key);
        if (existing == null || !existing.value().version().equals(version)) {
            return false;
        }
        held.remove(key);
        return true;
    }

    @Override
    public synchronized long count(String target) {
        return targets.getOrDefault(target, new TreeMap<>()).size();
    }

    @Override
    public synchronized long bytes(String target) {
        return targets.getOrDefault(target, new TreeMap<>()).values().stream().mapToLong(InMemoryHintStore::size).sum();
    }

    private static long size(Hint hint) {
        return hint.value().isTombstone() ? 0 : hint.value().value().length;
    }
}
