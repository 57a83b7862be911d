package dev.quorumkv.storage;

import java.util.UUID;

/**
 * The identity of this node's data: made with its data directory and kept in it, so a node that comes back
 * with an empty directory (a replaced disk) is told apart from one that comes back with its data, whatever
 * its node id.
 */
public record HostId(UUID value) {

    @Override
    public String toString() {
        return value.toString();
    }
}
