package dev.quorumkv;

/**
 * Input the node refuses before it changes anything: a client's key, quorum, context, header or body, or a
 * peer's malformed replica request. Every entry point answers it with a 4xx problem whose title is
 * {@link #title()} and whose detail is the message, which says how to fix the input.
 */
public class InvalidInputException extends IllegalArgumentException {

    private final String title;

    public InvalidInputException(String title, String detail) {
        super(detail);
        this.title = title;
    }

    /** What was wrong, in a few words: "Invalid key", "Invalid quorum", ... */
    public String title() {
        return title;
    }
}
