package dev.quorumkv.handoff;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.storage.HintStore;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Shows whether hints are kept and how many are held for each peer: a backlog that does not shrink is a peer
 * still down or refusing them. Always UP: hints are this node's debt to others, never a reason not to serve.
 */
final class HintsHealthIndicator implements HealthIndicator {

    private final Cluster cluster;
    private final HintStore hints;
    private final boolean enabled;

    HintsHealthIndicator(Cluster cluster, HintStore hints, boolean enabled) {
        this.cluster = cluster;
        this.hints = hints;
        this.enabled = enabled;
    }

    @Override
    public Health health() {
        Map<String, Long> pending = new LinkedHashMap<>();
        for (Member peer : cluster.peers()) {
            pending.put(peer.id(), hints.count(peer.id()));
        }
        return Health.up().withDetail("enabled", enabled).withDetail("pending", pending).build();
    }
}
