package dev.quorumkv.antientropy;

import java.time.Duration;

import dev.quorumkv.coordinator.GcGrace;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AntiEntropyJobTests {

    private static final Duration INTERVAL = Duration.ofMinutes(10);

    private final InMemoryReplicas replicas = new InMemoryReplicas(2, 10_000);
    private final InMemoryReplicas.Node two = replicas.node(2);
    private final AntiEntropyJob job = jobWith(ReadFence.afterAbsence(0, gcGrace()));

    @Test
    void aRoundRunsEveryIntervalWhileStartedAndRepairsWithoutReads() {
        replicas.node(1).put("k", replicas.time.wallMillis(), "v");
        job.start();

        replicas.time.advance(INTERVAL.minusSeconds(1));
        assertThat(two.get("k")).isEmpty();
        replicas.time.advance(Duration.ofSeconds(1));
        assertThat(two.get("k")).isPresent();
        replicas.time.advance(INTERVAL);
        assertThat(rounds()).isEqualTo(2);

        job.stop();
        replicas.time.advance(INTERVAL.multipliedBy(3));
        assertThat(rounds()).isEqualTo(2);
    }

    @Test
    void aFailedRoundIsCountedAndTheNextOneStillComes() {
        replicas.down(1);
        job.start();

        replicas.time.advance(INTERVAL);
        replicas.up(1);
        replicas.time.advance(INTERVAL);

        assertThat(two.counter("quorumkv.anti_entropy.rounds", "outcome", "failed")).isEqualTo(1);
        assertThat(two.counter("quorumkv.anti_entropy.rounds", "outcome", "complete")).isEqualTo(1);
    }

    @Test
    void repairNowPurgesWhatItsRoundMadePurgeable() {
        replicas.node(1).delete("k", replicas.time.wallMillis());
        two.delete("k", replicas.time.wallMillis());
        replicas.time.advance(InMemoryReplicas.GC_GRACE.plusHours(1));

        RoundResult result = job.repairNow();

        assertThat(result.complete()).isTrue();
        assertThat(two.get("k")).isEmpty();
    }

    @Test
    void aNodeAwayLongerThanGcGraceServesNoReadsUntilARoundWithEveryPeerCompletes() {
        long lastRun = replicas.time.wallMillis();
        replicas.time.advance(InMemoryReplicas.GC_GRACE.plusDays(1));
        ReadFence fence = ReadFence.afterAbsence(lastRun, gcGrace());
        AntiEntropyJob returned = jobWith(fence);
        assertThat(fence.isClosed()).isTrue();
        assertThatThrownBy(fence::check).isInstanceOf(ReadFence.ReadsFencedException.class);

        replicas.down(1);
        returned.repairNow();
        assertThat(fence.isClosed()).as("the round failed").isTrue();

        replicas.up(1);
        replicas.refuseReads(2); // its replica, behind the closed fence
        two.put("written-before-it-left", lastRun, "only here");
        RoundResult round = returned.repairNow();
        assertThat(round.complete()).as("its own newer keys are read past the fence").isTrue();
        assertThat(replicas.node(1).get("written-before-it-left")).isPresent();
        assertThat(fence.isClosed()).isFalse();
    }

    @Test
    void aNodeAwayLessThanGcGraceOrWithNewDataServesReadsAtOnce() {
        long lastRun = replicas.time.wallMillis();
        replicas.time.advance(InMemoryReplicas.GC_GRACE.minusHours(1));

        assertThat(ReadFence.afterAbsence(lastRun, gcGrace()).isClosed()).isFalse();
        assertThat(ReadFence.afterAbsence(0, gcGrace()).isClosed()).isFalse();
    }

    private AntiEntropyJob jobWith(ReadFence fence) {
        return new AntiEntropyJob(two.round, two.purger, fence, replicas.time, INTERVAL, Runnable::run);
    }

    private GcGrace gcGrace() {
        return new GcGrace(InMemoryReplicas.GC_GRACE, replicas.time);
    }

    private double rounds() {
        return two.counter("quorumkv.anti_entropy.rounds", "outcome", "complete");
    }
}
