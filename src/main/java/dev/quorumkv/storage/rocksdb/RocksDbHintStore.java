package dev.quorumkv.storage.rocksdb;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.quorumkv.storage.HintStore;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.version.Version;
import org.rocksdb.RocksIterator;

/**
 * Hints in the node's own database, in the column family {@code hints}: written through the same
 * write-ahead log as the replica's keys, so a hint survives what an acknowledged write survives. A hint is
 * stored under {@code targetLength(2) target key} (so one target's hints are one range, in key order) as
 * {@link VersionedCodec} bytes followed by the time it was stored ({@code storedAtMillis(8)}), which leaves
 * the version readable at the front without decoding the value.
 *
 * <p>What each target holds is counted in memory, from one pass over the hints at start-up, so the limit
 * can be checked on every hint without reading the disk. Changes are serialized: they read, compare and
 * write, and the counts must follow them exactly.
 */
class RocksDbHintStore implements HintStore {

    private static final int STORED_AT_BYTES = Long.BYTES;

    private record Held(AtomicLong count, AtomicLong bytes) {

        Held() {
            this(new AtomicLong(), new AtomicLong());
        }
    }

    private final RocksDbReplicaStore store;
    private final Map<String, Held> held = new ConcurrentHashMap<>();

    RocksDbHintStore(RocksDbReplicaStore store) {
        this.store = store;
        countHeld();
    }

    @Override
    public synchronized Outcome store(Hint hint, long maxBytes) {
        byte[] key = hintKey(hint.target(), hint.key());
        byte[] value = hintValue(hint);
        return store.onHints("write", (db, hints, writeOptions) -> {
            byte[] existing = db.get(hints, key);
            if (existing != null && !hint.value().version().isNewerThan(VersionedCodec.decodeVersion(existing))) {
                return Outcome.SUPERSEDED;
            }
            long added = key.length + value.length - (existing == null ? 0 : key.length + existing.length);
            Held target = held(hint.target());
            if (added > 0 && target.bytes().get() + added > maxBytes) {
                return Outcome.FULL;
            }
            db.put(hints, writeOptions, key, value);
            target.bytes().addAndGet(added);
            if (existing == null) {
                target.count().incrementAndGet();
            }
            return Outcome.STORED;
        });
    }

    @Override
    public List<Hint> scan(String target, String afterKey, int limit, long maxBytes) {
        byte[] prefix = targetPrefix(target);
        byte[] from = afterKey == null ? prefix : after(hintKey(target, afterKey));
        return store.onHints("read", (db, hints, writeOptions) -> {
            List<Hint> found = new ArrayList<>();
            long bytes = 0;
            try (RocksIterator iterator = db.newIterator(hints)) {
                for (iterator.seek(from); iterator.isValid() && found.size() < limit && bytes < maxBytes; iterator.next()) {
                    byte[] key = iterator.key();
                    if (!startsWith(key, prefix)) {
                        break;
                    }
                    byte[] value = iterator.value();
                    found.add(hint(target, key, prefix.length, value));
                    bytes += key.length + value.length;
                }
                iterator.status();
            }
            return found;
        });
    }

    @Override
    public synchronized boolean deleteIfUnchanged(String target, String key, Version version) {
        byte[] hintKey = hintKey(target, key);
        return store.onHints("write", (db, hints, writeOptions) -> {
            byte[] existing = db.get(hints, hintKey);
            if (existing == null || !VersionedCodec.decodeVersion(existing).equals(version)) {
                return false;
            }
            db.delete(hints, writeOptions, hintKey);
            Held counts = held(target);
            counts.count().decrementAndGet();
            counts.bytes().addAndGet(-(hintKey.length + existing.length));
            return true;
        });
    }

    @Override
    public long count(String target) {
        Held counts = held.get(target);
        return counts == null ? 0 : counts.count().get();
    }

    @Override
    public long bytes(String target) {
        Held counts = held.get(target);
        return counts == null ? 0 : counts.bytes().get();
    }

    private void countHeld() {
        store.onHints("read", (db, hints, writeOptions) -> {
            try (RocksIterator iterator = db.newIterator(hints)) {
                for (iterator.seekToFirst(); iterator.isValid(); iterator.next()) {
                    byte[] key = iterator.key();
                    Held target = held(targetOf(key));
                    target.count().incrementAndGet();
                    target.bytes().addAndGet(key.length + iterator.value().length);
                }
                iterator.status();
            }
            return null;
        });
    }

    private Held held(String target) {
        return held.computeIfAbsent(target, id -> new Held());
    }

    private static byte[] targetPrefix(String target) {
        byte[] id = target.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(Short.BYTES + id.length).putShort((short) id.length).put(id).array();
    }

    private static byte[] hintKey(String target, String key) {
        byte[] prefix = targetPrefix(target);
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(prefix.length + keyBytes.length).put(prefix).put(keyBytes).array();
    }

    private static String targetOf(byte[] hintKey) {
        int length = ByteBuffer.wrap(hintKey).getShort() & 0xFFFF;
        return new String(hintKey, Short.BYTES, length, StandardCharsets.UTF_8);
    }

    /** The smallest key greater than {@code key}: where a scan after it starts. */
    private static byte[] after(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static byte[] hintValue(Hint hint) {
        byte[] encoded = VersionedCodec.encode(hint.value());
        return ByteBuffer.allocate(encoded.length + STORED_AT_BYTES).put(encoded).putLong(hint.storedAtMillis()).array();
    }

    private static Hint hint(String target, byte[] hintKey, int prefixLength, byte[] stored) {
        String key = new String(hintKey, prefixLength, hintKey.length - prefixLength, StandardCharsets.UTF_8);
        int encodedLength = stored.length - STORED_AT_BYTES;
        long storedAtMillis = ByteBuffer.wrap(stored, encodedLength, STORED_AT_BYTES).getLong();
        return new Hint(target, key, VersionedCodec.decode(ByteBuffer.wrap(stored, 0, encodedLength)), storedAtMillis);
    }
}
