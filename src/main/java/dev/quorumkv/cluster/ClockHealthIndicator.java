package dev.quorumkv.cluster;

import java.util.Optional;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The clock's part of readiness: DOWN while this node's clock is more than the max offset from most of its
 * peers, or while it has not compared its clock with any yet, so it takes no client traffic it would refuse
 * to coordinate; each peer's latest measured offset is shown.
 */
class ClockHealthIndicator implements HealthIndicator {

    private final ClockOffsets offsets;

    ClockHealthIndicator(ClockOffsets offsets) {
        this.offsets = offsets;
    }

    @Override
    public Health health() {
        Optional<String> distrust = offsets.distrust();
        Health.Builder health;
        if (distrust.isPresent()) {
            health = Health.down().withDetail("cause", distrust.get() + ": it coordinates no writes meanwhile");
        }
        else if (!offsets.compared()) {
            // UNKNOWN, not DOWN: no peer answers, so there is nothing to judge the clock by; a node alone
            // still starts and serves.
            health = Health.unknown().withDetail("cause", "no peer has answered since the start: the clock is not compared");
        }
        else {
            health = Health.up();
        }
        health.withDetail("maxOffsetMillis", offsets.maxOffset().toMillis());
        for (Member peer : offsets.peers()) {
            health.withDetail(peer.id(), offsets.lastOffset(peer).map(offset -> offset.toMillis() + " ms").orElse("not measured"));
        }
        return health.build();
    }
}
