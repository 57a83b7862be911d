package dev.quorumkv.antientropy;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param interval            time from the end of one round to the start of the next
 * @param maxKeysPerExchange  keys one exchange copies at most; the rest wait for the next round
 * @param timeout             how long each call of an exchange may take, a peer's list or one key's copy
 */
@Validated
@ConfigurationProperties("quorumkv.anti-entropy")
public record AntiEntropyProperties(
        @DefaultValue("10m") @NotNull Duration interval,
        @DefaultValue("10000") @Min(1) int maxKeysPerExchange,
        @DefaultValue("10s") @NotNull Duration timeout) {
}
