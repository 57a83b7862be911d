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
    private final FailureDetector failureDetector;

    ClockHealthIndicator(ClockOffsets offsets, FailureDetector failureDetector) {
        this.offsets = offsets;
        this.failureDetector = failureDetector;
    }

    @Override
    public Health health() {
        Health.Builder health;
        if (!offsets.compared() && offsets.peers().stream().anyMatch(failureDetector::isUp)) {
            // Not ready while a sample is on its way (a probe interval): clients sent here now would
            // get only refusals. Peers start up, so this is also the first moments after a start.
            health = Health.down().withDetail("cause",
                    "this node's clock has not been compared with a peer yet: it coordinates no writes until it is");
        }
        else if (!offsets.compared()) {
            // UNKNOWN, not DOWN: with every peer down, nothing to compare with may come for long, and
            // readiness stays up so a node alone still starts; it coordinates no writes until a peer answers.
            health = Health.unknown().withDetail("cause",
                    "this node's clock has not been compared with a peer yet (none answers): it coordinates no writes until it is");
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
