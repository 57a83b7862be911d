package dev.quorumkv.cluster;

import java.net.URI;
import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param members          {@code id=url,...}; empty for a single-node store
 * @param secret           bearer token peers present on /internal/replica; required once there are peers
 * @param partitions       how many parts the key space is cut into (a power of two), fixed when the cluster is created
 * @param failureThreshold consecutive failed replica calls after which a peer is marked down
 * @param probeInterval    how often a peer marked down is probed until it answers again
 * @param autoJoin         a node whose id is not among {@code members} joins the cluster by itself, asking them
 *                         (then only contact points) to add it; off, such a node refuses to start
 * @param url              where peers reach this node; needed only by a node that joins by itself (the others are
 *                         named with their url in {@code members})
 */
@Validated
@ConfigurationProperties("quorumkv.cluster")
public record ClusterProperties(
        @DefaultValue("") String members,
        String secret,
        @DefaultValue("1024") @Min(1) @Max(65536) int partitions,
        @DefaultValue("3") @Min(1) int failureThreshold,
        @DefaultValue("500ms") @NotNull Duration probeInterval,
        @DefaultValue("false") boolean autoJoin,
        URI url) {

    /** Keeps the secret out of logs, actuator and exception messages that print the record. */
    @Override
    public String toString() {
        return "ClusterProperties[members=" + members + ", secret=" + (secret == null ? "none" : "***")
                + ", partitions=" + partitions + ", failureThreshold=" + failureThreshold
                + ", probeInterval=" + probeInterval + ", autoJoin=" + autoJoin + ", url=" + url + "]";
    }
}
