package dev.quorumkv.coordinator;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;


/** How one replica call ended, as the {@code outcome} tag of {@code quorumkv.replica.requests}. */
enum ReplicaOutcome {
    ACK, ERROR, TIMEOUT, REJECTED;

    String label() {
        return name().toLowerCase();
    }

    static ReplicaOutcome of(Throwable failure) {
        if (failure == null) {
            return ACK;
        }
        Throwable cause = unwrap(failure);
        if (cause instanceof ShadowedWriteException) {
            return ACK; // the replica answered and holds the write; only the quorum does not count it
        }
        if (cause instanceof TimeoutException) {
            return TIMEOUT;
        }
        return cause instanceof ReplicaRejectedException ? REJECTED : ERROR;
    }

    /** A short cause for the 503 body and logs: no stack trace, no request data. */
    static String describe(Throwable failure) {
        Throwable cause = unwrap(failure);
        return switch (of(cause)) {
            case TIMEOUT -> "timeout";
            case ACK -> "shadowed: " + cause.getMessage();
            case REJECTED -> "rejected: " + cause.getMessage();
            default -> cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        };
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
