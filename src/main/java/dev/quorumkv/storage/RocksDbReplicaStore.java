package dev.quorumkv.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's durable store: one RocksDB database whose values are {@link VersionedCodec} bytes.
 * Writes go through RocksDB's write-ahead log (never disabled), so a write acknowledged here survives a
 * kill -9; with fsync on it also survives a power loss. RocksDB groups concurrent writers' WAL appends
 * itself, so no batching is needed here.
 */
public class RocksDbReplicaStore implements ReplicaStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RocksDbReplicaStore.class);

    /** Read-compare-write must be atomic per key; striping bounds memory while keeping contention low. */
    private static final int LOCK_STRIPES = 1024;

    private final Path dir;
    private final Options options;
    private final WriteOptions writeOptions;
    private final RocksDB db;
    private final Object[] locks = new Object[LOCK_STRIPES];
    private volatile boolean open;

    public RocksDbReplicaStore(Path dir, boolean fsync) {
        RocksDB.loadLibrary();
        this.dir = dir.toAbsolutePath();
        try {
            Files.createDirectories(this.dir);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("cannot create storage directory " + this.dir, ex);
        }
        this.options = new Options().setCreateIfMissing(true);
        this.writeOptions = new WriteOptions().setSync(fsync);
        try {
            this.db = RocksDB.open(options, this.dir.toString());
        }
        catch (RocksDBException ex) {
            options.close();
            writeOptions.close();
            throw new IllegalStateException("cannot open RocksDB at " + this.dir + ": " + ex.getMessage(), ex);
        }
        for (int i = 0; i < LOCK_STRIPES; i++) {
            locks[i] = new Object();
        }
        this.open = true;
        log.info("Storage open at {} (fsync={})", this.dir, fsync);
    }

    @Override
    public Optional<Versioned> get(String key) {
        byte[] bytes = read(keyBytes(key));
        return bytes == null ? Optional.empty() : Optional.of(VersionedCodec.decode(bytes));
    }

    @Override
    public boolean putIfNewer(String key, Versioned incoming) {
        byte[] keyBytes = keyBytes(key);
        synchronized (locks[Math.floorMod(key.hashCode(), LOCK_STRIPES)]) {
            byte[] held = read(keyBytes);
            if (held != null && !incoming.isNewerThan(VersionedCodec.decode(held))) {
                return false;
            }
            try {
                db.put(writeOptions, keyBytes, VersionedCodec.encode(incoming));
                return true;
            }
            catch (RocksDBException ex) {
                throw new StorageException("write failed", ex);
            }
        }
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
        log.info("Storage at {} closed", dir);
    }

    private byte[] read(byte[] keyBytes) {
        try {
            return db.get(keyBytes);
        }
        catch (RocksDBException ex) {
            throw new StorageException("read failed", ex);
        }
    }

    private static byte[] keyBytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    /** RocksDB refused a read or write: the replica answers with an error, never a false ack. */
    public static class StorageException extends RuntimeException {

        StorageException(String message, RocksDBException cause) {
            super("storage " + message + ": " + cause.getMessage(), cause);
        }
    }
}
