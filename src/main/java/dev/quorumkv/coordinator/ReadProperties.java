package dev.quorumkv.coordinator;

import java.time.Duration;

import dev.quorumkv.InvalidConfigurationException;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param speculativeDelay unset (the default): a read asks all N replicas and answers with the first R replies.
 *                         Set: a read asks only R replicas (this node first when it is one), and one more each time
 *                         one of them fails or this long passes without R replies; a read then costs R replica
 *                         calls instead of N, and read repair reaches only the replicas it asked.
 */
@ConfigurationProperties("quorumkv.read")
public record ReadProperties(Duration speculativeDelay) {

    public ReadProperties {
        if (speculativeDelay != null && (speculativeDelay.isNegative() || speculativeDelay.isZero())) {
            throw new InvalidConfigurationException("quorumkv.read.speculative-delay must be a positive duration (e.g. 100ms)"
                    + " or unset (reads ask all N replicas), got " + speculativeDelay);
        }
    }

    /** Reads ask only R replicas at first. */
    public boolean speculative() {
        return speculativeDelay != null;
    }
}
