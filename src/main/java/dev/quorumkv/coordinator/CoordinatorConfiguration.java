package dev.quorumkv.coordinator;

import java.util.concurrent.ThreadLocalRandom;

import dev.quorumkv.cluster.ClockOffsets;
import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.ClusterProperties;
import dev.quorumkv.cluster.FailureDetector;
import dev.quorumkv.time.TimeSource;
import dev.quorumkv.version.ClockProperties;
import dev.quorumkv.version.ClockStateStore;
import dev.quorumkv.version.HybridLogicalClock;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class CoordinatorConfiguration {

    /**
     * Checked against the members at start (N capped at the cluster size) and fixed from then on: members joining
     * or leaving later change who the replicas are (the placement), not N, W or R.
     */
    @Bean
    Quorum quorum(ReplicationProperties properties, Cluster cluster) {
        return Quorum.fromConfiguration(properties, cluster.size());
    }

    /** The clock this node stamps versions with as a coordinator, and moves forward as a replica. */
    @Bean
    HybridLogicalClock hybridLogicalClock(Cluster cluster, TimeSource time, ClockProperties properties,
            ClockStateStore stateStore) {
        return new HybridLogicalClock(cluster.self().id(), time, properties.maxContextAhead(), stateStore);
    }

    @Bean
    CoordinatorMetrics coordinatorMetrics(MeterRegistry registry, Cluster cluster, TimeSource time) {
        CoordinatorMetrics metrics = new CoordinatorMetrics(registry, cluster.members(), time);
        metrics.follow(cluster);
        return metrics;
    }

    @Bean
    ReplicaFanOut replicaFanOut(Cluster cluster, FailureDetector failureDetector, CoordinatorMetrics metrics,
            TimeSource time, ReplicationProperties properties) {
        return new ReplicaFanOut(cluster, failureDetector, metrics, time, properties.timeout());
    }

    /** A read or write refused as routed with a stale topology waits at most the replication timeout to retry. */
    @Bean
    StaleTopologyRetry staleTopologyRetry(Cluster cluster, TimeSource time, ReplicationProperties properties) {
        return new StaleTopologyRetry(cluster, time, properties.timeout());
    }

    @Bean
    QuorumWriteService quorumWriteService(Cluster cluster, Quorum quorum, HybridLogicalClock clock, ClockOffsets clockOffsets,
            ReplicaClient replicaClient, ReplicaFanOut fanOut, CoordinatorMetrics metrics, MissedWrites missedWrites,
            FailureDetector failureDetector, StandInClient standIns, StaleTopologyRetry staleRetry) {
        return new QuorumWriteService(cluster, quorum, clock, clockOffsets, replicaClient, fanOut, metrics, missedWrites,
                new StandInPicker(failureDetector), standIns, staleRetry);
    }

    /** Shared by read repair and anti-entropy: neither copies a tombstone past it to a replica lacking the key. */
    @Bean
    GcGrace gcGrace(TombstoneProperties properties, TimeSource time) {
        return new GcGrace(properties.gcGrace(), time);
    }

    @Bean
    QuorumReadService quorumReadService(Cluster cluster, Quorum quorum, HybridLogicalClock clock,
            ReplicaClient replicaClient, ReplicaFanOut fanOut, CoordinatorMetrics metrics, GcGrace gcGrace,
            StaleTopologyRetry staleRetry, ReadProperties readProperties) {
        return new QuorumReadService(cluster, quorum, clock, replicaClient, fanOut, metrics, gcGrace, staleRetry,
                readProperties, new ReadOrder(cluster::isSelf, bound -> ThreadLocalRandom.current().nextInt(bound)));
    }

    @Bean
    PeerProber peerProber(Cluster cluster, FailureDetector failureDetector, ClockOffsets clockOffsets,
            ReplicaClient replicaClient, TimeSource time, ClusterProperties properties) {
        return new PeerProber(cluster, failureDetector, clockOffsets::needsSample, replicaClient, time, properties.probeInterval());
    }
}
