package dev.quorumkv.cluster;

import java.util.List;
import java.util.concurrent.TimeoutException;

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
    void timeoutsDoNotMarkDownAPeerThatAnsweredSinceTheCallsWereSent() {
        long sentBeforeTheAnswer = System.nanoTime() - 1_000_000;
        detector.recordSuccess(peer);

        for (int i = 0; i < 10; i++) {
            detector.recordTimeout(peer, sentBeforeTheAnswer, new TimeoutException());
        }
        assertThat(detector.isUp(peer)).as("slow, not gone: it answered another call meanwhile").isTrue();

        long sentAfterTheLastAnswer = System.nanoTime();
        detector.recordTimeout(peer, sentAfterTheLastAnswer, new TimeoutException());
        detector.recordTimeout(peer, sentAfterTheLastAnswer, new TimeoutException());
        assertThat(detector.isUp(peer)).isTrue();
        detector.recordTimeout(peer, sentAfterTheLastAnswer, new TimeoutException());
        assertThat(detector.state(peer)).as("silent since the calls were sent").isEqualTo(FailureDetector.State.DOWN);
    }

    @Test
    void aPeerNeverHeardFromIsMarkedDownByTimeouts() {
        long sent = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            detector.recordTimeout(peer, sent, new TimeoutException());
        }
        assertThat(detector.isUp(peer)).isFalse();
    }

    @Test
    void thisNodeIsNeverMarkedDown() {
        for (int i = 0; i < 10; i++) {
            detector.recordFailure(self, new RuntimeException());
        }
        assertThat(detector.isUp(self)).isTrue();
    }
}
