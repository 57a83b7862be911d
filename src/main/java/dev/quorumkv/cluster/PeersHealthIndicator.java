package dev.quorumkv.cluster;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Shows each peer's state as this node sees it. Always UP: a node whose peers are down can still serve the
 * keys whose quorum it can reach, and liveness or readiness must never depend on other nodes.
 */
class PeersHealthIndicator implements HealthIndicator {

    private final Cluster cluster;
    private final FailureDetector failureDetector;

    PeersHealthIndicator(Cluster cluster, FailureDetector failureDetector) {
        this.cluster = cluster;
        this.failureDetector = failureDetector;
    }

    @Override
    public Health health() {
        Health.Builder health = Health.up();
        for (Member peer : cluster.peers()) {
            health.withDetail(peer.id(), failureDetector.state(peer).name());
        }
        return health.build();
    }
}
