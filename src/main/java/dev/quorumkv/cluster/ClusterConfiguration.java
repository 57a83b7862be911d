package dev.quorumkv.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;

import dev.quorumkv.QuorumKvProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ClusterConfiguration {

    @Bean
    Cluster cluster(QuorumKvProperties node, ClusterProperties properties) {
        String nodeId = node.nodeId() == null || node.nodeId().isBlank() ? hostName() : node.nodeId().strip();
        Cluster cluster = Cluster.fromConfiguration(nodeId, properties.members(), properties.virtualNodes());
        if (cluster.size() > 1 && (properties.secret() == null || properties.secret().isBlank())) {
            throw new IllegalStateException("quorumkv.cluster.secret (env QUORUMKV_CLUSTER_SECRET) is not set: "
                    + "a node with peers needs the shared secret that protects /internal/replica");
        }
        return cluster;
    }

    @Bean
    FailureDetector failureDetector(Cluster cluster, ClusterProperties properties) {
        return new FailureDetector(cluster.self(), cluster.members(), properties.failureThreshold());
    }

    @Bean("peers")
    PeersHealthIndicator peersHealthIndicator(Cluster cluster, FailureDetector failureDetector) {
        return new PeersHealthIndicator(cluster, failureDetector);
    }

    private static String hostName() {
        String fromEnv = System.getenv("HOSTNAME");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (UnknownHostException ex) {
            return "localhost";
        }
    }
}
