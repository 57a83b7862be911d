package dev.quorumkv.membership;

import dev.quorumkv.cluster.Cluster;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Routes by the topology the log holds: the cluster takes every committed topology as its placement, in epoch order,
 * and the meters show where the log is ({@code quorumkv.topology.epoch}) and how many owner places the running change
 * moves ({@code quorumkv.partitions.moving}, 0 when none runs).
 */
public final class TopologyFollower {

    /** Makes {@code cluster} follow {@code topologyLog} from now on, starting with what the log holds already. */
    public TopologyFollower(TopologyLog topologyLog, Cluster cluster, MeterRegistry registry) {
        topologyLog.onCommit(cluster::update);
        Topology now = topologyLog.current();
        if (!now.isEmpty()) {
            cluster.update(now); // recovered from the log's storage before the listener was there
        }
        Gauge.builder("quorumkv.topology.epoch", topologyLog, log -> log.current().epoch())
                .description("The epoch of the topology this node has applied (0 before the cluster is formed)")
                .register(registry);
        Gauge.builder("quorumkv.partitions.moving", topologyLog, log -> log.current().moves().size())
                .description("Owner places the running membership change moves (0 when none runs)")
                .register(registry);
    }
}
