package dev.quorumkv.cluster;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param members          {@code id=url,...}; empty for a single-node store
 * @param secret           bearer token peers present on /internal/replica; required once there are peers
 * @param virtualNodes     ring positions per member: more spread keys more evenly
 * @param failureThreshold consecutive failed replica calls after which a peer is marked down
 * @param probeInterval    how often a peer marked down is probed until it answers again
 */
@Validated
@ConfigurationProperties("quorumkv.cluster")
public record ClusterProperties(
        @DefaultValue("") String members,
        String secret,
        @DefaultValue("256") @Min(1) int virtualNodes,
        @DefaultValue("3") @Min(1) int failureThreshold,
        @DefaultValue("500ms") @NotNull Duration probeInterval) {

    /** Keeps the secret out of logs, actuator and exception messages that print the record. */
    @Override
    public String toString() {
        return "ClusterProperties[members=" + members + ", secret=" + (secret == null ? "none" : "***")
                + ", virtualNodes=" + virtualNodes + ", failureThreshold=" + failureThreshold
                + ", probeInterval=" + probeInterval + "]";
    }
}
