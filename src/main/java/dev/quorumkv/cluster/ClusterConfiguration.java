package dev.quorumkv.cluster;

import dev.quorumkv.InvalidConfigurationException;
import dev.quorumkv.QuorumKvProperties;
import dev.quorumkv.time.TimeSource;
import dev.quorumkv.version.ClockProperties;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ClusterConfiguration {

    @Bean
    Cluster cluster(QuorumKvProperties node, ClusterProperties properties,
            // Read by name: the replication settings belong to the coordinator, which this package sits below.
            @Value("${quorumkv.replication.n:3}") int replicas) {
        if (Integer.bitCount(properties.partitions()) != 1) {
            throw new InvalidConfigurationException("quorumkv.cluster.partitions (" + properties.partitions()
                    + ") must be a power of two, e.g. 1024");
        }
        Cluster cluster = Cluster.fromConfiguration(node.resolvedNodeId(), properties.members(), properties.partitions(), replicas,
                properties.autoJoin(), properties.url());
        if (cluster.size() > 1 && (properties.secret() == null || properties.secret().isBlank())) {
            throw new InvalidConfigurationException("quorumkv.cluster.secret (env QUORUMKV_CLUSTER_SECRET) is not set: "
                    + "a node with peers needs the shared secret that protects /internal/replica");
        }
        return cluster;
    }

    @Bean
    FailureDetector failureDetector(Cluster cluster, ClusterProperties properties, TimeSource time) {
        FailureDetector failureDetector = new FailureDetector(cluster.self(), cluster.members(), properties.failureThreshold(), time);
        failureDetector.follow(cluster);
        return failureDetector;
    }

    @Bean
    ClockOffsets clockOffsets(Cluster cluster, TimeSource time, ClockProperties properties, MeterRegistry registry) {
        ClockOffsets offsets = new ClockOffsets(cluster.peers(), time, properties.maxOffset(), registry);
        offsets.follow(cluster);
        return offsets;
    }

    @Bean("clock")
    ClockHealthIndicator clockHealthIndicator(ClockOffsets offsets) {
        return new ClockHealthIndicator(offsets);
    }

    @Bean("peers")
    PeersHealthIndicator peersHealthIndicator(Cluster cluster, FailureDetector failureDetector) {
        return new PeersHealthIndicator(cluster, failureDetector);
    }
}
