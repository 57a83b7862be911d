package dev.quorumkv.storage.rocksdb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

import dev.quorumkv.InvalidConfigurationException;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.ReplicaStore;
import dev.quorumkv.storage.Stamp;
import dev.quorumkv.storage.StampedKeys;
import dev.quorumkv.storage.StorageException;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.storage.WriteObserver;
import dev.quorumkv.version.Version;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's durable store: one RocksDB database whose values are {@link VersionedCodec} bytes.
 * Writes go through RocksDB's write-ahead log (never disabled), so a write acknowledged here survives a
 * kill -9; with fsync on it also survives a power loss. A batch from a peer is one RocksDB write batch,
 * and RocksDB groups concurrent writers' WAL appends on top of that.
 *
 * <p>A failed read or write is remembered ({@link #failure()}) for the health indicator; a later successful
 * write clears it, and so does {@link #recover()}, which reopens the database when RocksDB has stopped
 * writing after a background error (no space left). Damaged files stay reported until the node restarts.
 */
public class RocksDbReplicaStore implements ReplicaStore, StampedKeys, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RocksDbReplicaStore.class);

    /** Read-compare-write must be atomic per key; striping bounds memory while keeping contention low. */
    private static final int LOCK_STRIPES = 1024;

    /** About 1% false positives: a lookup of an absent key rarely touches a table file. */
    private static final double BLOOM_BITS_PER_KEY = 10;
    /** Share of the memtable given to its own bloom filter, for the same reason. */
    private static final double MEMTABLE_BLOOM_RATIO = 0.1;

    /** A delete of the empty key, which no client key can be: a write that changes nothing, to see if writes work. */
    private static final byte[] PROBE_KEY = new byte[0];

    /** The column family {@link RocksDbHintStore} keeps hints in, apart from the replica's own keys. */
    private static final byte[] HINTS = "hints".getBytes(StandardCharsets.UTF_8);

    private final Path dir;
    private final BloomFilter bloomFilter;
    private final Options options;
    private final WriteOptions writeOptions;
    private final DBOptions dbOptions;
    /**
     * {@link #options}' settings, for the replica's keys (the default column family) and for hints alike: each
     * hint stored or delivered first reads the one it may replace, as each write does.
     */
    private final ColumnFamilyOptions familyOptions;
    /** The open database's column family handles, default first; closed before it. */
    private List<ColumnFamilyHandle> families = List.of();
    /**
     * Guards {@link #db} itself, not the data: every call into RocksDB holds the read lock, and only a reopen
     * or close takes the write lock, so no call ever reaches a closed native handle.
     */
    private final ReentrantReadWriteLock handle = new ReentrantReadWriteLock();
    /** Null only after a reopen failed; {@link #recover()} tries again. */
    private RocksDB db;
    private final ReentrantLock[] locks = new ReentrantLock[LOCK_STRIPES];
    private volatile boolean open;
    private volatile StorageFailure failure;
    /** Told of every applied change, under the key's stripe lock, so it sees each key's changes in order. */
    private volatile WriteObserver observer;

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
        this.dbOptions = new DBOptions(options).setCreateMissingColumnFamilies(true);
        this.familyOptions = new ColumnFamilyOptions(options);
        try {
            this.db = openDatabase();
        }
        catch (RocksDBException ex) {
            closeOptions();
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
        Lock lock = readLocked();
        try {
            return decoded(read(keyBytes(key)));
        }
        finally {
            lock.unlock();
        }
    }

    /** One multi-get for the lot: a peer's batched read. */
    @Override
    public List<Optional<Versioned>> getAll(List<String> keys) {
        Lock lock = readLocked();
        try {
            return database("read").multiGetAsList(keys.stream().map(RocksDbReplicaStore::keyBytes).toList()).stream()
                    .map(RocksDbReplicaStore::decoded).toList();
        }
        catch (RocksDBException ex) {
            throw failed("read", ex);
        }
        finally {
            lock.unlock();
        }
    }

    @Override
    public boolean putIfNewer(String key, Versioned incoming) {
        byte[] keyBytes = keyBytes(key);
        ReentrantLock lock = locks[stripe(key)];
        lock.lock();
        Lock handleLock = readLocked();
        try {
            byte[] held = read(keyBytes);
            if (!isNewer(incoming, held)) {
                return false;
            }
            database("write").put(writeOptions, keyBytes, VersionedCodec.encode(incoming));
            written();
            changed(key, held, incoming);
            return true;
        }
        catch (RocksDBException ex) {
            throw failed("write", ex);
        }
        finally {
            handleLock.unlock();
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
        List<String> keyStrings = new ArrayList<>(newestPerKey.keySet());
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
        Lock handleLock = readLocked();
        try (WriteBatch batch = new WriteBatch()) {
            List<byte[]> held = database("read").multiGetAsList(keys);
            BitSet applied = new BitSet(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                if (isNewer(incoming.get(i), held.get(i))) {
                    batch.put(keys.get(i), VersionedCodec.encode(incoming.get(i)));
                    applied.set(i);
                }
            }
            if (!applied.isEmpty()) {
                database("write").write(writeOptions, batch);
                written();
                for (int i = applied.nextSetBit(0); i >= 0; i = applied.nextSetBit(i + 1)) {
                    changed(keyStrings.get(i), held.get(i), incoming.get(i));
                }
            }
            return applied.cardinality();
        }
        catch (RocksDBException ex) {
            throw failed("write", ex);
        }
        finally {
            handleLock.unlock();
            for (int stripe = stripes.previousSetBit(LOCK_STRIPES - 1); stripe >= 0; stripe = stripes.previousSetBit(stripe - 1)) {
                locks[stripe].unlock();
            }
        }
    }

    @Override
    public void observeChanges(WriteObserver observer) {
        this.observer = observer;
    }

    /** The held bytes are those putIfNewer read already: reporting a change costs no extra read. */
    private void changed(String key, byte[] held, Versioned now) {
        WriteObserver current = observer;
        if (current != null) {
            current.changed(key, held == null ? null : VersionedCodec.decodeStamp(held), Stamp.of(now));
        }
    }

    /**
     * Walks the default column family with one iterator; only the head of each value is decoded. The handle's
     * read lock is held throughout, which only delays a reopen or close until the visitor stops.
     */
    @Override
    public void scan(String after, StampVisitor visitor) {
        Lock lock = readLocked();
        try (RocksIterator iterator = database("read").newIterator()) {
            if (after == null) {
                iterator.seekToFirst();
            }
            else {
                byte[] start = keyBytes(after);
                iterator.seek(start);
                if (iterator.isValid() && Arrays.equals(iterator.key(), start)) {
                    iterator.next();
                }
            }
            for (; iterator.isValid(); iterator.next()) {
                if (!visitor.visit(new String(iterator.key(), StandardCharsets.UTF_8), VersionedCodec.decodeStamp(iterator.value()))) {
                    return;
                }
            }
            iterator.status();
        }
        catch (RocksDBException ex) {
            throw failed("read", ex);
        }
        finally {
            lock.unlock();
        }
    }

    @Override
    public boolean removeTombstone(String key, Version version) {
        return removeIf(key, stamp -> stamp.tombstone() && stamp.version().equals(version));
    }

    @Override
    public boolean removeAt(String key, Version version) {
        return removeIf(key, stamp -> stamp.version().equals(version));
    }

    private boolean removeIf(String key, Predicate<Stamp> held) {
        byte[] keyBytes = keyBytes(key);
        ReentrantLock lock = locks[stripe(key)];
        lock.lock();
        Lock handleLock = readLocked();
        try {
            byte[] bytes = read(keyBytes);
            Stamp stamp = bytes == null ? null : VersionedCodec.decodeStamp(bytes);
            if (stamp == null || !held.test(stamp)) {
                return false;
            }
            database("write").delete(writeOptions, keyBytes);
            written();
            WriteObserver current = observer;
            if (current != null) {
                current.changed(key, stamp, null);
            }
            return true;
        }
        catch (RocksDBException ex) {
            throw failed("write", ex);
        }
        finally {
            handleLock.unlock();
            lock.unlock();
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
        Lock lock = readLocked();
        try {
            return db == null ? -1 : db.getLongProperty("rocksdb.estimate-num-keys");
        }
        catch (RocksDBException ex) {
            return -1;
        }
        finally {
            lock.unlock();
        }
    }

    /** The last read or write that failed, until a write succeeds or {@link #recover()} works. */
    public Optional<StorageFailure> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Makes the store write again after a failure, and says whether it can. A write that changes nothing
     * shows whether RocksDB still writes; if not (after a background error such as no space left, RocksDB
     * stops writing until resumed, and RocksJava has no {@code DB::Resume}), the database is closed and
     * opened again, which replays the write-ahead log. Damaged files are not recovered from: they stay
     * reported until the node is restarted with its data repaired or removed.
     *
     * @return true if the store has no failure (any more)
     */
    public boolean recover() {
        return failure == null || recoverFrom();
    }

    private synchronized boolean recoverFrom() {
        StorageFailure seen = failure;
        if (seen == null) {
            return true;
        }
        if (!open || seen.damaged()) {
            return false;
        }
        if (writesWork()) {
            failure = null;
            log.info("Storage at {} writes again after: {}", dir, seen.cause());
            return true;
        }
        Lock lock = handle.writeLock();
        lock.lock();
        try {
            if (db != null) {
                families.forEach(ColumnFamilyHandle::close);
                db.close();
                db = null;
            }
            db = openDatabase();
            failure = null;
            log.info("Storage at {} reopened after: {}", dir, seen.cause());
            return true;
        }
        catch (RocksDBException ex) {
            failure = StorageFailure.of("reopen", ex);
            log.warn("Storage at {} could not be reopened: {}", dir, ex.getMessage());
            return false;
        }
        finally {
            lock.unlock();
        }
    }

    private boolean writesWork() {
        Lock lock = readLocked();
        try {
            if (db == null) {
                return false;
            }
            db.delete(writeOptions, PROBE_KEY);
            return true;
        }
        catch (RocksDBException ex) {
            log.debug("Storage at {} still cannot write: {}", dir, ex.getMessage());
            return false;
        }
        finally {
            lock.unlock();
        }
    }

    @Override
    public synchronized void close() {
        if (!open) {
            return;
        }
        open = false;
        Lock lock = handle.writeLock();
        lock.lock();
        try {
            closeDatabase();
        }
        finally {
            lock.unlock();
        }
        closeOptions();
        log.info("Storage at {} closed", dir);
    }

    private void closeOptions() {
        familyOptions.close();
        dbOptions.close();
        writeOptions.close();
        options.close();
        bloomFilter.close();
    }

    /** The database with both its column families; a database from before hints gets its hints family now. */
    private RocksDB openDatabase() throws RocksDBException {
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB opened = RocksDB.open(dbOptions, dir.toString(), List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, familyOptions),
                new ColumnFamilyDescriptor(HINTS, familyOptions)), handles);
        families = List.copyOf(handles);
        return opened;
    }

    /** A RocksDB call on the hints column family, by {@link RocksDbHintStore}. */
    interface HintsCall<T> {

        T apply(RocksDB db, ColumnFamilyHandle hints, WriteOptions writeOptions) throws RocksDBException;
    }

    /**
     * Runs {@code call} on the hints column family with the database held open, a failure remembered for the
     * health indicator as any other.
     */
    <T> T onHints(String operation, HintsCall<T> call) {
        Lock lock = readLocked();
        try {
            RocksDB current = database(operation);
            return call.apply(current, families.get(1), writeOptions);
        }
        catch (RocksDBException ex) {
            throw failed(operation, ex);
        }
        finally {
            lock.unlock();
        }
    }

    private void closeDatabase() {
        if (db == null) {
            return;
        }
        try {
            // Flush the WAL to disk so a clean shutdown never depends on the OS writing it back later.
            db.syncWal();
        }
        catch (RocksDBException ex) {
            log.warn("Could not sync the write-ahead log on close: {}", ex.getMessage());
        }
        families.forEach(ColumnFamilyHandle::close);
        families = List.of();
        db.close();
        db = null;
    }

    private Lock readLocked() {
        Lock lock = handle.readLock();
        lock.lock();
        return lock;
    }

    /** The open database; the caller holds the read lock. */
    private RocksDB database(String operation) {
        RocksDB current = db;
        if (current == null) {
            StorageFailure last = failure;
            throw new StorageException("storage " + operation + " failed: the database at " + dir + " is not open"
                    + (last != null ? " (" + last.cause() + ")" : ""), null);
        }
        return current;
    }

    /** The caller holds the read lock. */
    private byte[] read(byte[] keyBytes) {
        try {
            return database("read").get(keyBytes);
        }
        catch (RocksDBException ex) {
            throw failed("read", ex);
        }
    }

    /** A write went through: a failure seen before is over, unless it was damage, which a write elsewhere does not undo. */
    private void written() {
        StorageFailure seen = failure;
        if (seen != null && !seen.damaged()) {
            failure = null;
            log.info("Storage at {} writes again after: {}", dir, seen.cause());
        }
    }

    /** Remembers a refused read or write and says so as a StorageException; package-private for tests. */
    StorageException failed(String operation, RocksDBException cause) {
        StorageFailure seen = StorageFailure.of(operation, cause);
        StorageFailure before = failure;
        if (before == null || !before.damaged()) { // damage stays the reported cause
            failure = seen;
        }
        if (before == null) {
            log.warn("Storage at {}: {}", dir, seen.cause());
        }
        return new StorageException("storage " + operation + " failed: " + cause.getMessage(), cause);
    }

    private static Optional<Versioned> decoded(byte[] stored) {
        return stored == null ? Optional.empty() : Optional.of(VersionedCodec.decode(stored));
    }

    private static byte[] keyBytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A read, write or reopen RocksDB refused.
     *
     * @param operation read, write or reopen
     * @param cause     what failed and what RocksDB said, e.g. "write failed (IOError, NoSpace): While appending to file: ..."
     * @param damaged   whether RocksDB found damaged data (a checksum mismatch, a truncated table file)
     */
    public record StorageFailure(String operation, String cause, boolean damaged) {

        static StorageFailure of(String operation, RocksDBException ex) {
            Status status = ex.getStatus();
            boolean damaged = status != null && status.getCode() == Status.Code.Corruption;
            String message = ex.getMessage() != null ? ex.getMessage() : "no message";
            return new StorageFailure(operation, operation + " failed" + kind(status) + ": " + message, damaged);
        }

        /** RocksDB's messages leave out what kind of failure it was: " (Corruption)", " (IOError, NoSpace)". */
        private static String kind(Status status) {
            if (status == null) {
                return "";
            }
            boolean subCode = status.getSubCode() != null && status.getSubCode() != Status.SubCode.None;
            return " (" + status.getCode() + (subCode ? ", " + status.getSubCode() : "") + ")";
        }
    }
}
