package dev.quorumkv.version;

import java.time.Duration;

import dev.quorumkv.InvalidInputException;

/**
 * A version whose time lies further ahead of this node's clock than it accepts, whether a peer sent it or
 * a client: one bad clock or one forged version must not drag every node's clock into the future.
 */
public class VersionTooFarAheadException extends InvalidInputException {

    public VersionTooFarAheadException(Version version, Duration bound) {
        this("Version too far ahead", "version " + version + " is more than " + bound.toSeconds()
                + " s ahead of this node's clock");
    }

    protected VersionTooFarAheadException(String title, String detail) {
        super(title, detail);
    }
}
