package dev.quorumkv.antientropy;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Shows anti-entropy at work: whether a round is running, how the last one ended, and whether reads are fenced
 * off after an absence longer than gc-grace. Always UP: a failed round means a peer is away, which readiness
 * must not depend on; the fence refuses reads by itself.
 */
class AntiEntropyHealthIndicator implements HealthIndicator {

    private final AntiEntropyJob job;
    private final ReadFence readFence;

    AntiEntropyHealthIndicator(AntiEntropyJob job, ReadFence readFence) {
        this.job = job;
        this.readFence = readFence;
    }

    @Override
    public Health health() {
        Health.Builder health = Health.up()
                .withDetail("roundRunning", job.isRoundRunning())
                .withDetail("readFence", readFence.isClosed() ? "closed: away longer than gc-grace, no reads until a round completes" : "open");
        job.lastRound().ifPresentOrElse(last -> {
            health.withDetail("lastRound", last.complete() ? "complete" : "failed")
                    .withDetail("lastRoundPartitions", last.partitions())
                    .withDetail("lastRoundKeysRepaired", last.keysRepaired());
            if (!last.complete()) {
                health.withDetail("lastRoundFailures", last.failures());
            }
        }, () -> health.withDetail("lastRound", "none yet"));
        return health.build();
    }
}
