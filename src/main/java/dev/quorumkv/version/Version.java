package dev.quorumkv.version;

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
    private static final String NODE_ID = "[A-Za-z0-9][A-Za-z0-9._-]{0,252}";
    private static final int MAX_NODE_ID_LENGTH = 253;

    /**
     * The latest wall time a version may carry: the clock packs a version into one {@code long} with 20
     * bits of counter, so 43 bits are left for milliseconds (the year 2248). Later times are refused
     * here rather than wrapping around into the past.
     */
    public static final long MAX_WALL_MILLIS = (1L << 43) - 1;

    private static final Pattern TEXT = Pattern.compile("(\\d{1,15})\\.(\\d{1,9})\\.(" + NODE_ID + ")");

    public Version {
        if (wallMillis < 0 || counter < 0) {
            throw new IllegalArgumentException("version components must not be negative");
        }
        if (wallMillis > MAX_WALL_MILLIS) {
            throw new IllegalArgumentException("version time " + wallMillis + " is beyond " + MAX_WALL_MILLIS);
        }
        if (!isValidNodeId(nodeId)) {
            throw new IllegalArgumentException("invalid node id in version: " + nodeId);
        }
    }

    /**
     * Whether {@code id} matches {@value #NODE_ID}. By hand, not by regex: every version decoded from the
     * store or a peer is checked, and a regex match was 4% of a node's CPU under write load.
     */
    public static boolean isValidNodeId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_NODE_ID_LENGTH || !isLetterOrDigit(id.charAt(0))) {
            return false;
        }
        for (int i = 1; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!isLetterOrDigit(c) && c != '.' && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean isLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
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

    /** Wall time, then counter, then node id. */
    @Override
    public int compareTo(Version other) {
        int order = Long.compare(wallMillis, other.wallMillis);
        if (order == 0) {
            order = Integer.compare(counter, other.counter);
        }
        return order != 0 ? order : nodeId.compareTo(other.nodeId);
    }

    @Override
    public String toString() {
        return wallMillis + "." + counter + "." + nodeId;
    }
}
