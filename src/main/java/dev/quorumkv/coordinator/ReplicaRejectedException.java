package dev.quorumkv.coordinator;

/** The replica answered but refused the request (a 4xx): a configuration or protocol problem, not a crash. */
public class ReplicaRejectedException extends RuntimeException {

    public ReplicaRejectedException(String message) {
        super(message);
    }
}
