package dev.quorumkv.handoff;

import java.time.Duration;

import dev.quorumkv.InvalidConfigurationException;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HintsPropertiesTests {

    @Test
    void aWindowThatKeepsNothingIsRefusedPointingToTheSwitch() {
        assertThatThrownBy(() -> new HintsProperties(true, Duration.ZERO, DataSize.ofMegabytes(256), 2000))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("quorumkv.hints.enabled=false");
    }

    @Test
    void aDeliveryRateBelowOneHintPerRoundIsRefused() {
        assertThatThrownBy(() -> new HintsProperties(true, Duration.ofHours(3), DataSize.ofMegabytes(256), 9))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("at least 10");
    }

    @Test
    void aNegativeByteLimitIsRefused() {
        assertThatThrownBy(() -> new HintsProperties(true, Duration.ofHours(3), DataSize.ofBytes(-1), 2000))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("quorumkv.hints.max-bytes");
    }
}
