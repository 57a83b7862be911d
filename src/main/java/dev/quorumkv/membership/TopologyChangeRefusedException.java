package dev.quorumkv.membership;

/**
 * A change the topology refuses; nothing changed. The message says why in words an operator can act on; the
 * kind says whose move it is: the request's (fix it) or the topology's (wait, or reread it and try again).
 */
public class TopologyChangeRefusedException extends RuntimeException {

    public enum Kind {
        /** The request is wrong whatever the timing: a bad id or url, already a member, too few would remain. (400) */
        BAD_REQUEST,
        /** The topology is not in a state to take it now: another change runs, or the expected epoch is stale. (409) */
        CONFLICT
    }

    private final Kind kind;

    public TopologyChangeRefusedException(Kind kind, String reason) {
        super(reason);
        this.kind = kind;
    }

    static TopologyChangeRefusedException badRequest(String reason) {
        return new TopologyChangeRefusedException(Kind.BAD_REQUEST, reason);
    }

    static TopologyChangeRefusedException conflict(String reason) {
        return new TopologyChangeRefusedException(Kind.CONFLICT, reason);
    }

    public Kind kind() {
        return kind;
    }

    /** Why, in a sentence: the same as the message. */
    public String reason() {
        return getMessage();
    }
}
