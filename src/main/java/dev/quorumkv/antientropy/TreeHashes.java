package dev.quorumkv.antientropy;

import dev.quorumkv.cluster.KeyHash;
import dev.quorumkv.storage.Stamp;

/**
 * The hashes a hash tree is made of, the same on every node and every JVM. A key's segment is the low bits of
 * its {@link KeyHash}, whose top bits choose its partition: well mixed, they are independent of the top ones,
 * so the keys of one partition spread over all its segments, and a write is hashed once for both.
 */
final class TreeHashes {

    /** Segments per partition: fine enough that a few differing keys mean few keys listed, small enough to send whole. */
    static final int SEGMENTS = 256;

    private TreeHashes() {
    }

    static long keyHash(String key) {
        return KeyHash.of(key);
    }

    static int segmentOf(long keyHash) {
        return (int) (keyHash & (SEGMENTS - 1));
    }

    /** A hash of the key and all its stamp, so that any change of version or of tombstone flag changes it. */
    static long entryHash(long keyHash, Stamp stamp) {
        long hash = KeyHash.mix(keyHash ^ stamp.version().wallMillis());
        hash = KeyHash.mix(hash ^ ((long) stamp.version().counter() << 1 | (stamp.tombstone() ? 1 : 0)));
        return KeyHash.mix(hash ^ KeyHash.of(stamp.version().nodeId()));
    }
}
