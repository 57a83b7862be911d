package dev.quorumkv.coordinator;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/** @param gcGrace how long a tombstone is kept at least, by the wall time of its version */
@Validated
@ConfigurationProperties("quorumkv.tombstones")
public record TombstoneProperties(@DefaultValue("10d") @NotNull Duration gcGrace) {
}
