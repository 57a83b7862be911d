package dev.quorumkv.cluster;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FailureDetectorTests {

    private final Member self = new Member("a", null);
    private final Member peer = new Member("b", null);
    private final FailureDetector detector = new FailureDetector(self, List.of(self, peer), 3);

    @Test
    void aPeerIsMarkedDownOnlyAfterThresholdConsecutiveFailures() {
        detector.recordFailure(peer, new RuntimeException());
        detector.recordFailure(peer, new RuntimeException());
        detector.recordSuccess(peer);
        detector.recordFailure(peer, new RuntimeException());
        detector.recordFailure(peer, new RuntimeException());
        assertThat(detector.isUp(peer)).as("a success in between resets the count").isTrue();

        detector.recordFailure(peer, new RuntimeException());
        assertThat(detector.state(peer)).isEqualTo(FailureDetector.State.DOWN);

        detector.recordSuccess(peer);
        assertThat(detector.isUp(peer)).isTrue();
    }

    @Test
    void thisNodeIsNeverMarkedDown() {
        for (int i = 0; i < 10; i++) {
            detector.recordFailure(self, new RuntimeException());
        }
        assertThat(detector.isUp(self)).isTrue();
    }
}
