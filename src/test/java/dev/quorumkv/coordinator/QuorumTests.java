package dev.quorumkv.coordinator;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuorumTests {

    @Test
    void wOrRAboveNStopsStartUpWithOneSentence() {
        assertThatThrownBy(() -> Quorum.fromConfiguration(new ReplicationProperties(3, 4, 2, Duration.ofSeconds(1)), 5))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("quorumkv.replication.w (4) and .r (2) must not exceed quorumkv.replication.n (3)");
        assertThatThrownBy(() -> Quorum.fromConfiguration(new ReplicationProperties(3, 2, 4, Duration.ofSeconds(1)), 5))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void nWAndRAreCappedAtTheClusterSize() {
        assertThat(Quorum.fromConfiguration(new ReplicationProperties(3, 2, 2, Duration.ofSeconds(1)), 1))
                .isEqualTo(new Quorum(1, 1, 1));
        assertThat(Quorum.fromConfiguration(new ReplicationProperties(5, 3, 3, Duration.ofSeconds(1)), 2))
                .isEqualTo(new Quorum(2, 2, 2));
    }

    @Test
    void consistencyIsStrongOnlyWhenWPlusRExceedsN() {
        assertThat(new Quorum(3, 2, 2).isStrong()).isTrue();
        assertThat(new Quorum(3, 1, 2).isStrong()).isFalse();
        assertThat(new Quorum(3, 1, 1).isStrong()).isFalse();
    }
}
