package dev.quorumkv.coordinator;

import java.time.Duration;

import dev.quorumkv.storage.Stamp;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.time.TimeSource;

/**
 * How long a tombstone must be kept ({@code quorumkv.tombstones.gc-grace}), judged by the wall time in its
 * version. Past it, a tombstone may be purged, so neither read repair nor anti-entropy may copy it to a replica
 * that lacks the key: that replica may be one that purged it already, and the copy would bring it back forever
 * (CASSANDRA-11427). A replica lacking the key and one holding the old tombstone answer reads alike.
 */
public record GcGrace(Duration grace, TimeSource time) {

    public boolean isPast(Stamp stamp) {
        return stamp.tombstone() && stamp.version().wallMillis() < time.wallMillis() - grace.toMillis();
    }

    public boolean isPast(Versioned versioned) {
        return isPast(Stamp.of(versioned));
    }
}
