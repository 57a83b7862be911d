package dev.quorumkv.api;

import dev.quorumkv.coordinator.QuorumReadService.ReadResult;

/** The newest version among the R replies is absent or a tombstone. */
class KeyNotFoundException extends RuntimeException {

    private final transient ReadResult result;

    KeyNotFoundException(ReadResult result) {
        super(result.newest().isPresent() ? "the key was deleted" : "no replica in the read quorum holds the key",
                null, false, false);
        this.result = result;
    }

    ReadResult result() {
        return result;
    }
}
