package dev.quorumkv.membership;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param raftPort   the port of every member's topology log (Raft) server, at its url's host; unset: each member's
 *                   url port + 1000 (so nodes on one host, each with its own HTTP port, get their own Raft port too).
 *                   Every member must derive its peers' Raft addresses the same way, so set it the same on all.
 * @param claimRetry how long a node that has not taken its place yet waits before it tries again
 * @param changeInterval how often a node streams what a running change gives it, and the log's leader checks the
 *                   change's barrier and advances it
 */
@Validated
@ConfigurationProperties("quorumkv.membership")
public record MembershipProperties(
        @Min(1) @Max(65535) Integer raftPort,
        @DefaultValue("1s") @NotNull Duration claimRetry,
        @DefaultValue("1s") @NotNull Duration changeInterval) {

    /** The offset of a member's Raft port from its url's port when {@link #raftPort} is unset. */
    public static final int RAFT_PORT_OFFSET = 1000;
}
