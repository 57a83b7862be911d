package dev.quorumkv.coordinator;

import java.util.Map;

/** A read (GET or HEAD) that did not get R replies. */
public final class ReadQuorumFailedException extends QuorumFailedException {

    ReadQuorumFailedException(Reason reason, int acks, int required, int n, Map<String, String> causes) {
        super(Operation.READ, reason, acks, required, n, causes);
    }

    @Override
    public Operation operation() {
        return Operation.READ;
    }
}
