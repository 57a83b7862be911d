package dev.quorumkv.storage;

import java.util.Objects;

import dev.quorumkv.version.Version;

/**
 * What a key holds, without its bytes: the version and whether it is a tombstone. All that hash trees and
 * anti-entropy compare, so a store can report it without decoding or copying values.
 */
public record Stamp(Version version, boolean tombstone) {

    public Stamp {
        Objects.requireNonNull(version, "version");
    }

    public static Stamp of(Versioned versioned) {
        return new Stamp(versioned.version(), versioned.isTombstone());
    }

    public boolean isNewerThan(Stamp other) {
        return other == null || version.isNewerThan(other.version);
    }
}
