package dev.quorumkv.coordinator;

import java.util.Map;

/**
 * The quorum could not be had. Typed by the operation that failed ({@link WriteQuorumFailedException},
 * {@link ReadQuorumFailedException}, as Cassandra's write and read timeouts are), and carrying what a
 * client and an operator need: how many replicas answered, how many were required, of how many, why, and
 * each replica's own cause.
 */
public abstract sealed class QuorumFailedException extends RuntimeException
        permits WriteQuorumFailedException, ReadQuorumFailedException {

    /** Why the quorum failed; the lower-case names are the metric outcomes and the API's {@code reason}. */
    public enum Reason {
        /** Replicas refused or erred, so that the quorum became impossible. */
        FAILED,
        /** The deadline passed before enough replicas answered. */
        TIMEOUT,
        /** Too few replicas are known to be up: nothing was sent. */
        UNAVAILABLE,
        /** The node had no room for the request's bytes (quorumkv.admission.max-inflight-bytes): refused at once. */
        OVERLOADED;

        public String label() {
            return name().toLowerCase();
        }
    }

    private final Reason reason;
    private final int acks;
    private final int required;
    private final int n;
    private final Map<String, String> causes;

    QuorumFailedException(Operation operation, Reason reason, int acks, int required, int n, Map<String, String> causes) {
        super(operation.label() + " " + reason.label() + ": " + acks + " of " + required
                + " required replicas answered (n=" + n + ") " + causes);
        this.reason = reason;
        this.acks = acks;
        this.required = required;
        this.n = n;
        this.causes = Map.copyOf(causes);
    }

    /** The failure of an operation, typed by it. */
    public static QuorumFailedException of(Operation operation, Reason reason, int acks, int required, int n, Map<String, String> causes) {
        return operation == Operation.WRITE
                ? new WriteQuorumFailedException(reason, acks, required, n, causes)
                : new ReadQuorumFailedException(reason, acks, required, n, causes);
    }

    public abstract Operation operation();

    public Reason reason() {
        return reason;
    }

    /** Replicas that acknowledged a write, or answered a read, before the failure. */
    public int acks() {
        return acks;
    }

    /** W for a write, R for a read. */
    public int required() {
        return required;
    }

    public int n() {
        return n;
    }

    /** Replica id → what went wrong with it. */
    public Map<String, String> causes() {
        return causes;
    }
}
