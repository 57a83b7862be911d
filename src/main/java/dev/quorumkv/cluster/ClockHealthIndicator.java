package dev.quorumkv.cluster;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The clock's part of readiness: DOWN while this node's clock is more than the max offset from most of its
 * peers, so it takes no client traffic it would refuse to coordinate; UNKNOWN until it has been compared with
 * a peer; each peer's measured offset is shown.
 */
class ClockHealthIndicator implements HealthIndicator {

    private final ClockOffsets offsets;

    ClockHealthIndicator(ClockOffsets offsets) {
        this.offsets = offsets;
    }

    @Override
    public Health health() {
        Health.Builder health;
        if (!offsets.compared()) {
            // UNKNOWN, not DOWN: readiness stays up, so a node whose peers are all down still starts (a
            // StatefulSet's first pod); it only coordinates no writes until a peer has answered it.
            health = Health.unknown().withDetail("cause",
                    "this node's clock has not been compared with a peer yet: it coordinates no writes until it is");
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
