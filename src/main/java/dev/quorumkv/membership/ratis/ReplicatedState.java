package dev.quorumkv.membership.ratis;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The caller's state and how a command changes it: what {@link RaftCommandLog} replicates. Every member applies the
 * same committed commands, in the same order, to the same initial state, so {@link #apply} must be deterministic: its
 * result depends on its two arguments only (no clock, no randomness, no I/O, no iteration over a hash order).
 */
public interface ReplicatedState {

    /** The state before the first command; the same on every member. */
    byte[] initial();

    /**
     * The state after {@code command}, or a refusal. A refused command changes nothing, but it is still a committed
     * log entry, refused alike on every member, and its submitter gets the reason. The arguments must not be modified;
     * an exception thrown here is taken as a refusal (and logged), so a deterministic bug cannot split the members.
     */
    Result apply(byte[] state, byte[] command);

    /** What a command did: {@link Accepted} with the new state, or {@link Refused} with a reason. */
    sealed interface Result permits Accepted, Refused {
    }

    /** The command was applied; {@code state} is the new state (held by the log from now on: do not modify it). */
    record Accepted(byte[] state) implements Result {
        public Accepted {
            Objects.requireNonNull(state, "state");
        }
    }

    /** The command was refused; the state is unchanged. {@code reason} is short, for a person. */
    record Refused(String reason) implements Result {
        public Refused {
            Objects.requireNonNull(reason, "reason");
        }

        byte[] reasonBytes() {
            return reason.getBytes(StandardCharsets.UTF_8);
        }
    }

    static Result accept(byte[] state) {
        return new Accepted(state);
    }

    static Result refuse(String reason) {
        return new Refused(reason);
    }
}
