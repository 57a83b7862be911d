package dev.quorumkv.antientropy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AntiEntropyJobTests {

    private static final Duration INTERVAL = Duration.ofMinutes(10);

    private final InMemoryReplicas replicas = new InMemoryReplicas(2, 10_000);
    private final InMemoryReplicas.Node two = replicas.node(2);
    private final AntiEntropyJob job = new AntiEntropyJob(two.round, two.purger, replicas.time, INTERVAL, Runnable::run);

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

    private double rounds() {
        return two.counter("quorumkv.anti_entropy.rounds", "outcome", "complete");
    }
}
