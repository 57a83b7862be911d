package dev.quorumkv.coordinator;

import java.util.ArrayList;
import java.util.Arrays;
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
 * <p>
 * A write while the membership changes needs {@code required} acks from each of several groups (the old owners and
 * the new, {@link dev.quorumkv.cluster.Placement#writeQuorums}): the quorum is had once every group has them, an ack
 * from a replica in two groups counting in both, and lost as soon as any one group has more failures than its size
 * minus {@code required}. That failure reports the group's acks and size. With one group of all the replicas, which
 * is every read and every write with the membership at rest, both rules are the ones above.
 */
final class QuorumCollector<T> {

    record Reply<T>(Member replica, T value) {
    }

    private final Operation operation;
    private final int total;
    private final List<List<Member>> groups;
    private final int required;
    private final List<Reply<T>> replies = new ArrayList<>();
    private final Map<String, String> causes = new LinkedHashMap<>();
    private final int[] groupAcks;
    private final int[] groupFailures;
    private int notAsked;
    private boolean anyTimedOut;
    private boolean decided;
    private final CompletableFuture<List<Reply<T>>> quorum = new CompletableFuture<>();
    private final CompletableFuture<List<Reply<T>>> settled = new CompletableFuture<>();
    private final CompletableFuture<Void> callsEnded = new CompletableFuture<>();

    /** {@code required} of {@code replicas}. */
    QuorumCollector(Operation operation, List<Member> replicas, int required) {
        this(operation, replicas, List.of(replicas), required);
    }

    /** {@code required} of each group; every member of a group is one of {@code replicas}. */
    QuorumCollector(Operation operation, List<Member> replicas, List<List<Member>> groups, int required) {
        this.operation = operation;
        this.total = replicas.size();
        this.groups = groups;
        this.required = required;
        this.groupAcks = new int[groups.size()];
        this.groupFailures = new int[groups.size()];
    }

    void succeeded(Member replica, T value) {
        List<Reply<T>> quorumReplies = null;
        List<Reply<T>> allReplies = null;
        synchronized (this) {
            replies.add(new Reply<>(replica, value));
            count(replica, groupAcks);
            if (!decided && Arrays.stream(groupAcks).allMatch(acks -> acks >= required)) {
                decided = true;
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
            count(replica, groupFailures);
            for (int group = 0; group < groups.size() && !decided; group++) {
                int size = groups.get(group).size();
                if (groupFailures[group] > size - required) {
                    decided = true;
                    failure = QuorumFailedException.of(operation, anyTimedOut ? Reason.TIMEOUT : Reason.FAILED,
                            groupAcks[group], required, size, causes);
                }
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

    /**
     * {@code replica} will not be asked (a read that had its quorum from the replicas it asked first): it counts
     * towards {@link #settled()} as answered, neither ack nor failure.
     */
    void notAsked(Member replica) {
        List<Reply<T>> allReplies = null;
        synchronized (this) {
            notAsked++;
            if (answered() == total) {
                allReplies = List.copyOf(replies);
            }
        }
        if (allReplies != null) {
            settled.complete(allReplies);
        }
    }

    /** The first {@code required} successful replies, or a {@link QuorumFailedException} of the operation. */
    CompletableFuture<List<Reply<T>>> quorum() {
        return quorum;
    }

    /** Every successful reply, once all replicas have answered, failed, timed out or are known not to be asked. */
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

    /** One more for each group {@code replica} is in. */
    private void count(Member replica, int[] perGroup) {
        for (int group = 0; group < groups.size(); group++) {
            if (groups.get(group).contains(replica)) {
                perGroup[group]++;
            }
        }
    }

    private int answered() {
        return replies.size() + causes.size() + notAsked;
    }
}
