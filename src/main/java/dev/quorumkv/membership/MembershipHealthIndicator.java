package dev.quorumkv.membership;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Membership's part of readiness (DESIGN.md: "A node reports ready only once NORMAL"): UP once the topology has this
 * node NORMAL under its host id; DOWN before the topology is known, while its claim is not committed, and while it is
 * JOINING (a new member or a replacement that has not streamed its data yet) or LEAVING.
 */
public final class MembershipHealthIndicator implements HealthIndicator {

    private final TopologyLog topologyLog;
    private final MembershipStartup startup;

    public MembershipHealthIndicator(TopologyLog topologyLog, MembershipStartup startup) {
        this.topologyLog = topologyLog;
        this.startup = startup;
    }

    @Override
    public Health health() {
        Topology topology = topologyLog.current();
        Health.Builder health;
        TopologyMember self = topology.member(startup.selfId()).filter(member -> startup.hostId().equals(member.hostId())).orElse(null);
        if (self == null) {
            health = Health.down().withDetail("waitingFor", startup.waitingFor());
        }
        else if (self.state() != MemberState.NORMAL) {
            health = Health.down().withDetail("cause", startup.selfId() + " is " + self.state()
                    + topology.change().map(change -> " (" + change + ")").orElse(""));
        }
        else {
            health = Health.up();
        }
        health.withDetail("epoch", topology.epoch()).withDetail("hostId", startup.hostId().toString());
        if (self != null) {
            health.withDetail("state", self.state().name());
        }
        return health.build();
    }
}
