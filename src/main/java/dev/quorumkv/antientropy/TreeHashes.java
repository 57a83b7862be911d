package dev.quorumkv.antientropy;

import dev.quorumkv.storage.Stamp;

/**
 * The hashes a hash tree is made of, the same on every node and every JVM. A key's segment comes from a hash
 * of its own (FNV-1a, then a 64-bit finalizer), not from the MD5 whose top bits choose its partition, so the
 * keys of one partition spread over all its segments.
 */
final class TreeHashes {

    /** Segments per partition: fine enough that a few differing keys mean few keys listed, small enough to send whole. */
    static final int SEGMENTS = 256;

    private TreeHashes() {
    }

    static long keyHash(String key) {
        return mix(fnv1a(key));
    }

    static int segmentOf(long keyHash) {
        return (int) (keyHash & (SEGMENTS - 1));
    }

    /** A hash of the key and all its stamp, so that any change of version or of tombstone flag changes it. */
    static long entryHash(long keyHash, Stamp stamp) {
        long hash = mix(keyHash ^ stamp.version().wallMillis());
        hash = mix(hash ^ ((long) stamp.version().counter() << 1 | (stamp.tombstone() ? 1 : 0)));
        return mix(hash ^ fnv1a(stamp.version().nodeId()));
    }

    private static long fnv1a(String text) {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            hash ^= text.charAt(i);
            hash *= 0x100000001b3L;
        }
        return hash;
    }

    /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
    private static long mix(long hash) {
        hash ^= hash >>> 33;
        hash *= 0xff51afd7ed558ccdL;
        hash ^= hash >>> 33;
        hash *= 0xc4ceb9fe1a85ec53L;
        return hash ^ (hash >>> 33);
    }
}
