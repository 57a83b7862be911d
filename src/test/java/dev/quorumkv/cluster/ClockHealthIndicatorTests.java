package dev.quorumkv.cluster;

import java.time.Duration;
import java.util.List;

import dev.quorumkv.time.ManualTimeSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;

/** The clock's part of readiness, from a start through a first sample to a clock found off. */
class ClockHealthIndicatorTests {

    private static final long NOW = 1_800_000_000_000L;

    private final ManualTimeSource time = new ManualTimeSource(NOW);
    private final Member b = new Member("b", null);
    private final Member c = new Member("c", null);
    private final ClockOffsets offsets = new ClockOffsets(List.of(b, c), time, Duration.ofMillis(500), new SimpleMeterRegistry());
    private final ClockHealthIndicator indicator = new ClockHealthIndicator(offsets);

    @Test
    void notReadyAfterAStartUntilAPeerHasBeenComparedThenUp() {
        assertThat(indicator.health().getStatus()).as("just started, no sample yet").isEqualTo(Status.DOWN);

        offsets.record(b, NOW, NOW, NOW + 20);

        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
        assertThat(indicator.health().getDetails()).containsEntry("b", "20 ms").containsEntry("c", "not measured");
    }

    /** A node no peer answers still becomes ready (a StatefulSet's first pod) and, after the grace, writes. */
    @Test
    void unknownNotDownWhenNoPeerAnswersWithinTheGrace() {
        time.advance(ClockOffsets.FIRST_SAMPLE_GRACE);

        assertThat(indicator.health().getStatus()).isEqualTo(Status.UNKNOWN);
        assertThat(offsets.trusted()).as("nothing to judge by").isTrue();
    }

    @Test
    void downWhenOffFromMostPeers() {
        offsets.record(b, NOW, NOW, NOW - 120_000);
        offsets.record(c, NOW, NOW, NOW - 120_000);

        assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) indicator.health().getDetails().get("cause")).contains("more than 500 ms away");
    }
}
