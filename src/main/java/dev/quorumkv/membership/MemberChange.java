package dev.quorumkv.membership;

import java.util.Objects;

import dev.quorumkv.cluster.PartitionMap;

/**
 * The change that is running (there is at most one): which member joins, leaves or is replaced, how far it has
 * gone, and the owners once it is done.
 *
 * @param pending the partition map when the change is done: the new owners
 */
public record MemberChange(Kind kind, String memberId, Phase phase, PartitionMap pending) {

    public enum Kind {
        JOIN,
        LEAVE,
        /** The member's id with a new host (a lost disk): the same places, refilled by streaming. */
        REPLACE
    }

    public MemberChange {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(memberId, "memberId");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(pending, "pending");
    }

    MemberChange inPhase(Phase next) {
        return new MemberChange(kind, memberId, next, pending);
    }

    @Override
    public String toString() {
        return kind + " " + memberId + " " + phase;
    }
}
