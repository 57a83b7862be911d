package dev.quorumkv.membership.ratis;

/**
 * The replicated state refused a submitted command ({@link ReplicatedState.Refused}). The command was committed and
 * refused on every member; nothing changed.
 */
public class CommandRefusedException extends RuntimeException {

    private final String reason;
    private final long index;

    CommandRefusedException(String reason, long index) {
        super("command refused at log index " + index + ": " + reason);
        this.reason = reason;
        this.index = index;
    }

    /** The reason {@link ReplicatedState#apply} gave. */
    public String reason() {
        return reason;
    }

    /** The log index of the refused command. */
    public long index() {
        return index;
    }
}
