package dev.quorumkv.version;

import java.util.Comparator;
import java.util.regex.Pattern;

/**
 * A hybrid-logical-clock timestamp stamped by a coordinator: wall-clock milliseconds, a logical counter
 * for events within the same millisecond (or while the wall clock lags), and the coordinator's node id
 * as the final tie-break, so two distinct writes never carry equal versions.
 * <p>
 * Its text form {@code <wallMillis>.<counter>.<nodeId>} is what clients see in {@code X-Version} and send
 * back in {@code X-Context}.
 */
public record Version(long wallMillis, int counter, String nodeId) implements Comparable<Version> {

    /** Node ids are restricted so that the text form stays unambiguous and header-safe. */
    public static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");

    private static final Pattern TEXT = Pattern.compile("(\\d{1,15})\\.(\\d{1,9})\\.(" + NODE_ID.pattern() + ")");

    private static final Comparator<Version> ORDER = Comparator.comparingLong(Version::wallMillis)
            .thenComparingInt(Version::counter)
            .thenComparing(Version::nodeId);

    public Version {
        if (wallMillis < 0 || counter < 0) {
            throw new IllegalArgumentException("version components must not be negative");
        }
        if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
            throw new IllegalArgumentException("invalid node id in version: " + nodeId);
        }
    }

    /** Parses the text form; throws {@link IllegalArgumentException} with a readable reason. */
    public static Version parse(String text) {
        var matcher = TEXT.matcher(text == null ? "" : text.strip());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("expected <wallMillis>.<counter>.<nodeId>, e.g. 1763935200123.0.node1");
        }
        return new Version(Long.parseLong(matcher.group(1)), Integer.parseInt(matcher.group(2)), matcher.group(3));
    }

    public boolean isNewerThan(Version other) {
        return other == null || compareTo(other) > 0;
    }

    @Override
    public int compareTo(Version other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return wallMillis + "." + counter + "." + nodeId;
    }
}
