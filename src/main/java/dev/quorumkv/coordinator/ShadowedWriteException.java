package dev.quorumkv.coordinator;

import dev.quorumkv.version.Version;

/**
 * A replica stored the write durably but holds a newer version of the key, stamped later by a clock that
 * ran ahead: the write would not be what reads return, so it does not count toward W. The replica itself
 * answered, so for the failure detector and the per-replica meters this is an ack.
 */
final class ShadowedWriteException extends RuntimeException {

    private final Version held;

    ShadowedWriteException(Version held) {
        super("holds the newer version " + held, null, false, false);
        this.held = held;
    }

    Version held() {
        return held;
    }
}
