package dev.quorumkv.storage.rocksdb;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import dev.quorumkv.storage.StorageException;
import dev.quorumkv.version.ClockStateStore;

/**
 * The clock's mark in a small text file beside the data ({@code quorumkv-clock} in the storage directory),
 * replaced atomically: written to a temporary file, forced to disk, then renamed over the old one. A lost
 * data directory loses the mark with the data, which is what it protects.
 */
class FileClockStateStore implements ClockStateStore {

    static final String FILE_NAME = "quorumkv-clock";

    private final Path file;
    private final Path next;

    FileClockStateStore(Path dir) {
        this.file = dir.resolve(FILE_NAME);
        this.next = dir.resolve(FILE_NAME + ".next");
    }

    @Override
    public long load() {
        try {
            return Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip());
        }
        catch (NoSuchFileException none) {
            return 0;
        }
        catch (IOException | NumberFormatException ex) {
            throw new StorageException("cannot read the clock mark in " + file + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public void save(long wallMillis) {
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel channel = FileChannel.open(next, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(ByteBuffer.wrap(Long.toString(wallMillis).getBytes(StandardCharsets.US_ASCII)));
                channel.force(true);
            }
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (IOException ex) {
            throw new StorageException("cannot save the clock mark in " + file + ": " + ex.getMessage(), ex);
        }
    }
}
