package dev.quorumkv.coordinator;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param n       replicas per key
 * @param w       acks a write waits for
 * @param r       replies a read waits for
 * @param timeout how long a coordinator waits for each replica before counting it as timed out
 */
@Validated
@ConfigurationProperties("quorumkv.replication")
public record ReplicationProperties(
        @DefaultValue("3") @Min(1) int n,
        @DefaultValue("2") @Min(1) int w,
        @DefaultValue("2") @Min(1) int r,
        @DefaultValue("1s") @NotNull Duration timeout) {
}
