package dev.quorumkv.version;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param maxContextAhead how far ahead of this node's time (its wall clock, or the newest version it has
 *                        seen when later) a version from a client ({@code X-Context}, refused with 400) or
 *                        from a peer (refused) may lie
 * @param maxOffset       how far this node's wall clock may be from most of its peers' before it stops
 *                        coordinating writes and reports not ready (CockroachDB's max-offset)
 */
@Validated
@ConfigurationProperties("quorumkv.clock")
public record ClockProperties(@DefaultValue("1m") @NotNull Duration maxContextAhead,
        @DefaultValue("500ms") @NotNull Duration maxOffset) {
}
