package dev.quorumkv.coordinator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;

/**
 * Counts replica answers against a quorum. {@link #quorum()} completes as soon as {@code required}
 * replicas have succeeded, or fails as soon as that has become impossible (more than total - required
 * failures); {@link #settled()} completes once every replica has answered or failed, which is when
 * under-replication and read repair can be judged; {@link #callsEnded()} once every call sent has ended,
 * however late, which is when the operation's data is no longer held. Futures are completed outside the lock, so whatever
 * runs on completion never holds it.
 */
final class QuorumCollector<T> {

    record Reply<T>(Member replica, T value) {
    }

    private final Operation operation;
    private final int total;
    private final int required;
    private final List<Reply<T>> replies = new ArrayList<>();
    private final Map<String, String> causes = new LinkedHashMap<>();
    private boolean anyTimedOut;
    private final CompletableFuture<List<Reply<T>>> quorum = new CompletableFuture<>();
    private final CompletableFuture<List<Reply<T>>> settled = new CompletableFuture<>();
    private final CompletableFuture<Void> callsEnded = new CompletableFuture<>();

    QuorumCollector(Operation operation, int total, int required) {
        this.operation = operation;
        this.total = total;
        this.required = required;
    }

    void succeeded(Member replica, T value) {
        List<Reply<T>> quorumReplies = null;
        List<Reply<T>> allReplies = null;
        synchronized (this) {
            replies.add(new Reply<>(replica, value));
            if (replies.size() == required) {
                quorumReplies = List.copyOf(replies);
            }
            if (answered() == total) {
                allReplies = List.copyOf(replies);
            }
        }
        if (quorumReplies != null) {
            quorum.complete(quorumReplies);
        }
        if (allReplies != null) {
            settled.complete(allReplies);
        }
    }

    void failed(Member replica, Throwable cause) {
        QuorumFailedException failure = null;
        List<Reply<T>> allReplies = null;
        synchronized (this) {
            causes.put(replica.id(), ReplicaOutcome.describe(cause));
            anyTimedOut |= ReplicaOutcome.of(cause) == ReplicaOutcome.TIMEOUT;
            if (causes.size() == total - required + 1) {
                failure = QuorumFailedException.of(operation, anyTimedOut ? Reason.TIMEOUT : Reason.FAILED,
                        replies.size(), required, total, causes);
            }
            if (answered() == total) {
                allReplies = List.copyOf(replies);
            }
        }
        if (failure != null) {
            quorum.completeExceptionally(failure);
        }
        if (allReplies != null) {
            settled.complete(allReplies);
        }
    }

    /** The first {@code required} successful replies, or a {@link QuorumFailedException} of the operation. */
    CompletableFuture<List<Reply<T>>> quorum() {
        return quorum;
    }

    /** Every successful reply, once all replicas have answered, failed or timed out. */
    CompletableFuture<List<Reply<T>>> settled() {
        return settled;
    }

    /**
     * Completes once every call sent has ended, however long after its timeout: only then does nothing hold
     * the operation's data any more (a call the coordinator stopped waiting for still carries it to its replica).
     */
    CompletableFuture<Void> callsEnded() {
        return callsEnded;
    }

    /** The sent calls, all of them; their failures are the quorum's business, not this future's. */
    void callsEndWith(CompletableFuture<Void> allCalls) {
        allCalls.whenComplete((ignored, failure) -> callsEnded.complete(null));
    }

    int total() {
        return total;
    }

    private int answered() {
        return replies.size() + causes.size();
    }
}
