package dev.quorumkv.handoff;

import java.time.Duration;

import dev.quorumkv.InvalidConfigurationException;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * @param enabled      whether writes a replica missed are kept as hints; off, none are kept (hints kept before
 *                     are still delivered)
 * @param window       a replica marked down longer than this gets no new hints, and a hint older than this is
 *                     dropped instead of delivered: after that long, anti-entropy brings the replica back
 * @param maxBytes     at most this much of hints is kept per target replica; beyond it, new ones are dropped
 * @param deliveryRate hints per second each target replica is sent at most, from each node: a replica coming
 *                     back is not stormed with the writes it missed while it also serves clients; at least 10
 */
@Validated
@ConfigurationProperties("quorumkv.hints")
public record HintsProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("3h") @NotNull Duration window,
        @DefaultValue("256MB") @NotNull DataSize maxBytes,
        @DefaultValue("2000") int deliveryRate) {

    /** One hint per delivery round ({@link HintDelivery#TICK}). */
    static final int MIN_DELIVERY_RATE = 10;

    public HintsProperties {
        if (window != null && (window.isNegative() || window.isZero())) {
            throw new InvalidConfigurationException("quorumkv.hints.window must be positive (it is " + window
                    + "): set quorumkv.hints.enabled=false to keep no hints");
        }
        if (maxBytes != null && maxBytes.isNegative()) {
            throw new InvalidConfigurationException("quorumkv.hints.max-bytes must not be negative (it is " + maxBytes + ")");
        }
        if (deliveryRate < MIN_DELIVERY_RATE) {
            throw new InvalidConfigurationException("quorumkv.hints.delivery-rate must be at least " + MIN_DELIVERY_RATE
                    + " hints per second, one per delivery round (it is " + deliveryRate + ")");
        }
    }
}
