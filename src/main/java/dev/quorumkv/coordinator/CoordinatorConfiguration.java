package dev.quorumkv.coordinator;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.FailureDetector;
import dev.quorumkv.replica.ReplicaClient;
import dev.quorumkv.version.HybridLogicalClock;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class CoordinatorConfiguration {

    @Bean
    Quorum quorum(ReplicationProperties properties, Cluster cluster) {
        return Quorum.fromConfiguration(properties, cluster.size());
    }

    @Bean
    CoordinatorMetrics coordinatorMetrics(MeterRegistry registry, Cluster cluster) {
        return new CoordinatorMetrics(registry, cluster.members());
    }

    @Bean
    ReplicaFanOut replicaFanOut(Cluster cluster, FailureDetector failureDetector, CoordinatorMetrics metrics,
            ReplicationProperties properties) {
        return new ReplicaFanOut(cluster, failureDetector, metrics, properties.timeout());
    }

    @Bean
    QuorumWriteService quorumWriteService(Cluster cluster, Quorum quorum, HybridLogicalClock clock,
            ReplicaClient replicaClient, ReplicaFanOut fanOut, CoordinatorMetrics metrics) {
        return new QuorumWriteService(cluster, quorum, clock, replicaClient, fanOut, metrics);
    }

    @Bean
    QuorumReadService quorumReadService(Cluster cluster, Quorum quorum, HybridLogicalClock clock,
            ReplicaClient replicaClient, ReplicaFanOut fanOut, CoordinatorMetrics metrics) {
        return new QuorumReadService(cluster, quorum, clock, replicaClient, fanOut, metrics);
    }
}
