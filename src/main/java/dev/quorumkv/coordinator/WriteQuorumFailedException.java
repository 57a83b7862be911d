package dev.quorumkv.coordinator;

import java.util.Map;

/**
 * A write (PUT or DELETE) that did not reach W acks. Unless nothing was sent (reason unavailable or
 * overloaded, with no acks), it may still have reached some replicas: there is no rollback, so it may become visible.
 */
public final class WriteQuorumFailedException extends QuorumFailedException {

    WriteQuorumFailedException(Reason reason, int acks, int required, int n, Map<String, String> causes) {
        super(Operation.WRITE, reason, acks, required, n, causes);
    }

    @Override
    public Operation operation() {
        return Operation.WRITE;
    }

    /** Whether some replica may hold the write despite the failure. */
    public boolean mayHaveReachedReplicas() {
        return acks() > 0 || (reason() != Reason.UNAVAILABLE && reason() != Reason.OVERLOADED);
    }
}
