package dev.quorumkv.version;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param maxContextAhead how far ahead of this node's wall clock an {@code X-Context} may be before it is
 *                        refused with 400
 */
@Validated
@ConfigurationProperties("quorumkv.clock")
public record ClockProperties(@DefaultValue("1m") @NotNull Duration maxContextAhead) {
}
