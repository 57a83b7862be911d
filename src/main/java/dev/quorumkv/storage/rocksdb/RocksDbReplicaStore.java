package dev.quorumkv.storage.rocksdb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import dev.quorumkv.InvalidConfigurationException;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.ReplicaStore;
import dev.quorumkv.storage.StorageException;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.VersionedCodec;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's durable store: one RocksDB database whose values are {@link VersionedCodec} bytes.
 * Writes go through RocksDB's write-ahead log (never disabled), so a write acknowledged here survives a
 * kill -9; with fsync on it also survives a power loss. A batch from a peer is one RocksDB write batch,
 * and RocksDB groups concurrent writers' WAL appends on top of that.
 */
public class RocksDbReplicaStore implements ReplicaStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RocksDbReplicaStore.class);

    /** Read-compare-write must be atomic per key; striping bounds memory while keeping contention low. */
    private static final int LOCK_STRIPES = 1024;

    /** About 1% false positives: a lookup of an absent key rarely touches a table file. */
    private static final double BLOOM_BITS_PER_KEY = 10;
    /** Share of the memtable given to its own bloom filter, for the same reason. */
    private static final double MEMTABLE_BLOOM_RATIO = 0.1;

    private final Path dir;
    private final BloomFilter bloomFilter;
    private final Options options;
    private final WriteOptions writeOptions;
    private final RocksDB db;
    private final ReentrantLock[] locks = new ReentrantLock[LOCK_STRIPES];
    private volatile boolean open;

    public RocksDbReplicaStore(Path dir, boolean fsync) {
        RocksDB.loadLibrary();
        this.dir = dir.toAbsolutePath();
        try {
            Files.createDirectories(this.dir);
        }
        catch (IOException ex) {
            throw new InvalidConfigurationException("quorumkv.storage.dir " + this.dir + " cannot be created: " + ex);
        }
        // Every write first reads the key's held version, and most written keys are new: without bloom
        // filters each such read searched every table file's index (over a quarter of RocksDB's CPU in a profile).
        this.bloomFilter = new BloomFilter(BLOOM_BITS_PER_KEY);
        this.options = new Options().setCreateIfMissing(true)
                .setTableFormatConfig(new BlockBasedTableConfig().setFilterPolicy(bloomFilter))
                .setMemtableWholeKeyFiltering(true)
                .setMemtablePrefixBloomSizeRatio(MEMTABLE_BLOOM_RATIO);
        this.writeOptions = new WriteOptions().setSync(fsync);
        try {
            this.db = RocksDB.open(options, this.dir.toString());
        }
        catch (RocksDBException ex) {
            options.close();
            writeOptions.close();
            bloomFilter.close();
            throw new InvalidConfigurationException("quorumkv.storage.dir " + this.dir + " cannot be opened: " + ex.getMessage(), ex);
        }
        for (int i = 0; i < LOCK_STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
        this.open = true;
        log.info("Storage open at {} (fsync={})", this.dir, fsync);
    }

    @Override
    public Optional<Versioned> get(String key) {
        return decoded(read(keyBytes(key)));
    }

    /** One multi-get for the lot: a peer's batched read. */
    @Override
    public List<Optional<Versioned>> getAll(List<String> keys) {
        try {
            return db.multiGetAsList(keys.stream().map(RocksDbReplicaStore::keyBytes).toList()).stream()
                    .map(RocksDbReplicaStore::decoded).toList();
        }
        catch (RocksDBException ex) {
            throw failed("read", ex);
        }
    }

    @Override
    public boolean putIfNewer(String key, Versioned incoming) {
        byte[] keyBytes = keyBytes(key);
        ReentrantLock lock = locks[stripe(key)];
        lock.lock();
        try {
            if (!isNewer(incoming, read(keyBytes))) {
                return false;
            }
            db.put(writeOptions, keyBytes, VersionedCodec.encode(incoming));
            return true;
        }
        catch (RocksDBException ex) {
            throw failed("write", ex);
        }
        finally {
            lock.unlock();
        }
    }

    /**
     * Applies each write that is newer than what is held, all in one RocksDB write batch: one WAL append
     * for the lot, and the held versions read with one multi-get. The stripes of all keys are locked in
     * ascending order, so concurrent batches cannot deadlock and no read-compare-write interleaves with
     * another on the same key.
     */
    @Override
    public int putAllIfNewer(List<KeyedValue> writes) {
        if (writes.size() == 1) { // a single put costs less than a batch around one write
            return putIfNewer(writes.get(0).key(), writes.get(0).value()) ? 1 : 0;
        }
        Map<String, Versioned> newestPerKey = new LinkedHashMap<>();
        for (KeyedValue write : writes) {
            newestPerKey.merge(write.key(), write.value(), (held, incoming) -> incoming.isNewerThan(held) ? incoming : held);
        }
        List<Versioned> incoming = new ArrayList<>(newestPerKey.size());
        List<byte[]> keys = new ArrayList<>(newestPerKey.size());
        // A set bit per stripe: iterating it gives each stripe once, in ascending order.
        BitSet stripes = new BitSet(LOCK_STRIPES);
        newestPerKey.forEach((key, value) -> {
            keys.add(keyBytes(key));
            incoming.add(value);
            stripes.set(stripe(key));
        });
        for (int stripe = stripes.nextSetBit(0); stripe >= 0; stripe = stripes.nextSetBit(stripe + 1)) {
            locks[stripe].lock();
        }
        try (WriteBatch batch = new WriteBatch()) {
            List<byte[]> held = db.multiGetAsList(keys);
            int applied = 0;
            for (int i = 0; i < keys.size(); i++) {
                if (isNewer(incoming.get(i), held.get(i))) {
                    batch.put(keys.get(i), VersionedCodec.encode(incoming.get(i)));
                    applied++;
                }
            }
            if (applied > 0) {
                db.write(writeOptions, batch);
            }
            return applied;
        }
        catch (RocksDBException ex) {
            throw failed("write", ex);
        }
        finally {
            for (int stripe = stripes.previousSetBit(LOCK_STRIPES - 1); stripe >= 0; stripe = stripes.previousSetBit(stripe - 1)) {
                locks[stripe].unlock();
            }
        }
    }

    /** Only the stored version is decoded: the held value's bytes need not be copied to compare. */
    private static boolean isNewer(Versioned incoming, byte[] held) {
        return held == null || incoming.version().isNewerThan(VersionedCodec.decodeVersion(held));
    }

    private static int stripe(String key) {
        return Math.floorMod(key.hashCode(), LOCK_STRIPES);
    }

    public boolean isOpen() {
        return open;
    }

    public Path dir() {
        return dir;
    }

    public long estimatedKeys() {
        try {
            return db.getLongProperty("rocksdb.estimate-num-keys");
        }
        catch (RocksDBException ex) {
            return -1;
        }
    }

    @Override
    public synchronized void close() {
        if (!open) {
            return;
        }
        open = false;
        try {
            // Flush the WAL to disk so a clean shutdown never depends on the OS writing it back later.
            db.syncWal();
        }
        catch (RocksDBException ex) {
            log.warn("Could not sync the write-ahead log on close: {}", ex.getMessage());
        }
        db.close();
        writeOptions.close();
        options.close();
        bloomFilter.close();
        log.info("Storage at {} closed", dir);
    }

    private byte[] read(byte[] keyBytes) {
        try {
            return db.get(keyBytes);
        }
        catch (RocksDBException ex) {
            throw failed("read", ex);
        }
    }

    private static StorageException failed(String operation, RocksDBException cause) {
        return new StorageException("storage " + operation + " failed: " + cause.getMessage(), cause);
    }

    private static Optional<Versioned> decoded(byte[] stored) {
        return stored == null ? Optional.empty() : Optional.of(VersionedCodec.decode(stored));
    }

    private static byte[] keyBytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}
