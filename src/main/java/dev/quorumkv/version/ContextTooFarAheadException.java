package dev.quorumkv.version;

import java.time.Duration;

/** An {@code X-Context} whose time lies further in the future than the coordinator accepts. */
public class ContextTooFarAheadException extends VersionTooFarAheadException {

    public ContextTooFarAheadException(Version context, Duration bound) {
        super("Invalid X-Context", "X-Context " + context + " is more than " + bound.toSeconds()
                + " s ahead of this node's clock; send a version returned by quorumkv");
    }
}
