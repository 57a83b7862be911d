package dev.quorumkv.coordinator;

/**
 * The replica is alive but had no room for the call (its admission budget was full): a refusal like any
 * other, so the replica is never marked down for it, and the write or read counts it as that replica failing.
 */
public class ReplicaOverloadedException extends ReplicaRejectedException {

    public ReplicaOverloadedException(String message) {
        super(message);
    }
}
