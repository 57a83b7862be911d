package dev.quorumkv.antientropy;

import java.time.Duration;

import dev.quorumkv.storage.Stamp;
import dev.quorumkv.time.TimeSource;

/**
 * How long a tombstone must be kept ({@code quorumkv.tombstones.gc-grace}), judged by the wall time in its
 * version. Past it, a tombstone may be purged, so it must never be copied to a replica that lacks the key:
 * that replica may be one that purged it already, and the copy would bring it back forever (CASSANDRA-11427).
 */
record GcGrace(Duration grace, TimeSource time) {

    boolean isPast(Stamp stamp) {
        return stamp.tombstone() && stamp.version().wallMillis() < time.wallMillis() - grace.toMillis();
    }
}
