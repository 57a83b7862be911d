package dev.quorumkv.membership;

/**
 * The topology log could not commit a change in time (no leader, no majority of its members, closed). Its outcome is
 * unknown: the change may still commit. Submitting it again is safe: a change that has applied is refused the
 * second time (see {@link TopologyLog#submit}).
 */
public class TopologyLogUnavailableException extends RuntimeException {

    public TopologyLogUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
