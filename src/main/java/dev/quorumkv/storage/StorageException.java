package dev.quorumkv.storage;

/** The store refused a read or write: the replica answers with an error, never a false ack. */
public class StorageException extends RuntimeException {

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
