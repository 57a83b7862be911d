package dev.quorumkv.cluster;

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
        Health.Builder health;
        if (!offsets.compared() && offsets.sinceStart().compareTo(ClockOffsets.FIRST_SAMPLE_GRACE) < 0) {
            // Not ready while a first sample is on its way: clients sent here now would get only refusals.
            health = Health.down().withDetail("cause",
                    "this node's clock has not been compared with a peer yet: it coordinates no writes until it is");
        }
        else if (!offsets.compared()) {
            // UNKNOWN, not DOWN: no peer answers, so there is nothing to judge the clock by; a node alone
            // still starts and serves.
            health = Health.unknown().withDetail("cause", "no peer has answered since the start: the clock is not compared");
        }
        else if (offsets.trusted()) {
            health = Health.up();
        }
        else {
            health = Health.down().withDetail("cause", "this node's clock is more than " + offsets.maxOffset().toMillis()
                    + " ms away from most of its peers: it coordinates no writes until it is back");
        }
        health.withDetail("maxOffsetMillis", offsets.maxOffset().toMillis());
        for (Member peer : offsets.peers()) {
            health.withDetail(peer.id(), offsets.lastOffset(peer).map(offset -> offset.toMillis() + " ms").orElse("not measured"));
        }
        return health.build();
    }
}
