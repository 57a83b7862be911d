package dev.quorumkv.cluster;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

import dev.quorumkv.time.ManualTimeSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FailureDetectorTests {

    private final Member self = new Member("a", null);
    private final Member peer = new Member("b", null);
    private final ManualTimeSource time = new ManualTimeSource();
    private final FailureDetector detector = new FailureDetector(self, List.of(self, peer), 3, time);
    /** For the rules about answers: every timeout of a silent peer counts at once. */
    private final FailureDetector noMinimumSilence = new FailureDetector(self, List.of(self, peer), 3, Duration.ZERO, time);

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

    /** Hinted handoff keeps hints for a peer only while it has been down for less than the window. */
    @Test
    void howLongAPeerHasBeenDownCountsFromTheFailureThatMarkedItDown() {
        detector.recordFailure(peer, new RuntimeException());
        detector.recordFailure(peer, new RuntimeException());
        time.advance(Duration.ofMinutes(1));
        assertThat(detector.downFor(peer)).isEmpty();

        detector.recordFailure(peer, new RuntimeException());
        time.advance(Duration.ofMinutes(5));
        detector.recordFailure(peer, new RuntimeException());
        assertThat(detector.downFor(peer)).contains(Duration.ofMinutes(5));

        detector.recordSuccess(peer);
        assertThat(detector.downFor(peer)).isEmpty();
        assertThat(detector.downFor(self)).isEmpty();
    }

    @Test
    void itWatchesTheMembersOfEachPlacementForgettingThoseThatLeftAndStartingAfreshAHostAtANewUrl() {
        Member joining = new Member("c", URI.create("http://c:8080"));
        Cluster cluster = new Cluster(self, List.of(self, peer), PartitionMap.striped(List.of(self, peer), 8, 2));
        noMinimumSilence.follow(cluster);

        cluster.update(placement(1, self, peer, joining));
        markDown(joining);
        assertThat(noMinimumSilence.watched()).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(noMinimumSilence.isUp(joining)).isFalse();

        Member replacement = new Member("c", URI.create("http://c-new:8080"));
        cluster.update(placement(2, self, peer, replacement));
        assertThat(noMinimumSilence.isUp(replacement)).as("a new host for c: nothing is known against it").isTrue();

        markDown(replacement);
        cluster.update(placement(3, self, peer));
        assertThat(noMinimumSilence.watched()).containsExactlyInAnyOrder("a", "b");
        noMinimumSilence.recordFailure(replacement, new RuntimeException("a late answer from a member that left"));
        assertThat(noMinimumSilence.watched()).as("not watched again by a late call").containsExactlyInAnyOrder("a", "b");
        assertThat(noMinimumSilence.isUp(replacement)).isTrue();
    }

    private void markDown(Member member) {
        for (int i = 0; i < 3; i++) {
            noMinimumSilence.recordFailure(member, new RuntimeException());
        }
    }

    private static Placement placement(long epoch, Member... members) {
        return new StaticPlacement(epoch, PartitionMap.striped(List.of(members), 8, 2), List.of(members));
    }

    @Test
    void timeoutsDoNotMarkDownAPeerThatAnsweredSinceTheCallsWereSent() {
        long sentBeforeTheAnswer = time.nanoTime();
        time.advance(Duration.ofMillis(1));
        noMinimumSilence.recordSuccess(peer);

        for (int i = 0; i < 10; i++) {
            noMinimumSilence.recordTimeout(peer, sentBeforeTheAnswer, new TimeoutException());
        }
        assertThat(noMinimumSilence.isUp(peer)).as("slow, not gone: it answered another call meanwhile").isTrue();

        time.advance(Duration.ofMillis(1));
        long sentAfterTheLastAnswer = time.nanoTime();
        noMinimumSilence.recordTimeout(peer, sentAfterTheLastAnswer, new TimeoutException());
        noMinimumSilence.recordTimeout(peer, sentAfterTheLastAnswer, new TimeoutException());
        assertThat(noMinimumSilence.isUp(peer)).isTrue();
        noMinimumSilence.recordTimeout(peer, sentAfterTheLastAnswer, new TimeoutException());
        assertThat(noMinimumSilence.state(peer)).as("silent since the calls were sent").isEqualTo(FailureDetector.State.DOWN);
    }

    @Test
    void aPeerNeverHeardFromIsMarkedDownByTimeouts() {
        long sent = time.nanoTime();
        for (int i = 0; i < 3; i++) {
            noMinimumSilence.recordTimeout(peer, sent, new TimeoutException());
        }
        assertThat(noMinimumSilence.isUp(peer)).isFalse();
    }

    @Test
    void callsSentTogetherThatTimeOutTogetherAreOneSilenceAndCountOnlyOnceItHasLasted() {
        long firstSent = time.nanoTime();
        for (int i = 0; i < 10; i++) {
            detector.recordTimeout(peer, firstSent + i * 1_000_000L, new TimeoutException());
        }
        assertThat(detector.isUp(peer)).as("ten calls sent within 10 ms: one silence, not ten failures").isTrue();

        long sentOnceTheSilenceLasted = firstSent + FailureDetector.MIN_SILENCE.toNanos();
        detector.recordTimeout(peer, sentOnceTheSilenceLasted, new TimeoutException());
        detector.recordTimeout(peer, sentOnceTheSilenceLasted + 1, new TimeoutException());
        assertThat(detector.isUp(peer)).isTrue();
        detector.recordTimeout(peer, sentOnceTheSilenceLasted + 2, new TimeoutException());
        assertThat(detector.state(peer)).isEqualTo(FailureDetector.State.DOWN);
    }

    @Test
    void anAnswerEndsTheSilenceSoTheNextOneStartsAgain() {
        long firstSent = time.nanoTime();
        detector.recordTimeout(peer, firstSent, new TimeoutException());
        time.advance(Duration.ofMillis(1));
        detector.recordSuccess(peer);

        // Sent a full minimum silence after the first unanswered call, but after an answer: a new silence.
        long sentAfterTheAnswer = firstSent + FailureDetector.MIN_SILENCE.toNanos();
        for (int i = 0; i < 5; i++) {
            detector.recordTimeout(peer, sentAfterTheAnswer + i, new TimeoutException());
        }
        assertThat(detector.isUp(peer)).as("the silence began again at the answer and has not lasted").isTrue();
    }

    @Test
    void thisNodeIsNeverMarkedDown() {
        for (int i = 0; i < 10; i++) {
            detector.recordFailure(self, new RuntimeException());
        }
        assertThat(detector.isUp(self)).isTrue();
    }
}
