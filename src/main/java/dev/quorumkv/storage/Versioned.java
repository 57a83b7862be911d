package dev.quorumkv.storage;

import java.util.Objects;

import dev.quorumkv.version.Version;

/**
 * A key's value at one version, or a tombstone (a delete, kept so that it wins over older values).
 *
 * @param contentType the Content-Type the client sent with the value; null for tombstones
 * @param value       the stored bytes, never modified; null for tombstones
 */
public record Versioned(Version version, String contentType, byte[] value) {

    public Versioned {
        Objects.requireNonNull(version, "version");
        if ((value == null) != (contentType == null)) {
            throw new IllegalArgumentException("a value needs a content type and a tombstone has neither");
        }
    }

    public static Versioned value(Version version, String contentType, byte[] value) {
        return new Versioned(version, contentType, Objects.requireNonNull(value, "value"));
    }

    public static Versioned tombstone(Version version) {
        return new Versioned(version, null, null);
    }

    public boolean isTombstone() {
        return value == null;
    }

    public boolean isNewerThan(Versioned other) {
        return other == null || version.isNewerThan(other.version);
    }
}
