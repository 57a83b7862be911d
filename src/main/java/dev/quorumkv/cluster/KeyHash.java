package dev.quorumkv.cluster;

/**
 * The one hash of a key that places it: its top bits choose the key's partition ({@link PartitionMap}), its low
 * bits the key's segment in that partition's hash tree (anti-entropy). FNV-1a over the key's characters, then
 * MurmurHash3's 64-bit finalizer, which makes every output bit depend on every input bit, so top and low bits
 * are spread evenly and independently. The same on every JVM and release (String.hashCode is neither spread
 * nor promised). Not MD5, as Dynamo used: every replica hashes the key of every write it applies for its hash
 * tree, and a digest per write showed in profiles; nothing here needs a hash an adversary cannot collide.
 */
public final class KeyHash {

    private KeyHash() {
    }

    public static long of(String key) {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < key.length(); i++) {
            hash ^= key.charAt(i);
            hash *= 0x100000001b3L;
        }
        return mix(hash);
    }

    /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
    public static long mix(long hash) {
        hash ^= hash >>> 33;
        hash *= 0xff51afd7ed558ccdL;
        hash ^= hash >>> 33;
        hash *= 0xc4ceb9fe1a85ec53L;
        return hash ^ (hash >>> 33);
    }
}
