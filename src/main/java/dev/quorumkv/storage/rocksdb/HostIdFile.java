package dev.quorumkv.storage.rocksdb;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

import dev.quorumkv.storage.HostId;
import dev.quorumkv.storage.StorageException;

/** The host id in {@code quorumkv-host-id} in the storage directory, made the first time the directory is used. */
final class HostIdFile {

    static final String FILE_NAME = "quorumkv-host-id";

    private HostIdFile() {
    }

    static HostId loadOrCreate(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        try {
            return new HostId(UUID.fromString(Files.readString(file, StandardCharsets.US_ASCII).strip()));
        }
        catch (NoSuchFileException none) {
            return create(dir, file);
        }
        catch (IOException | IllegalArgumentException ex) {
            throw new StorageException("cannot read the host id in " + file + ": " + ex.getMessage(), ex);
        }
    }

    /** Written whole to a temporary file, forced, then renamed: a crash leaves either no id or the complete one. */
    private static HostId create(Path dir, Path file) {
        HostId id = new HostId(UUID.randomUUID());
        Path next = dir.resolve(FILE_NAME + ".next");
        try {
            Files.createDirectories(dir);
            Files.writeString(next, id.toString(), StandardCharsets.US_ASCII);
            try (FileChannel channel = FileChannel.open(next, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE);
            return id;
        }
        catch (IOException ex) {
            throw new StorageException("cannot save a host id in " + file + ": " + ex.getMessage(), ex);
        }
    }
}
