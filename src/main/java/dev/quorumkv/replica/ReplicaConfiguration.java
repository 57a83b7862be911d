package dev.quorumkv.replica;

import java.time.Duration;

import dev.quorumkv.QuorumKvProperties;
import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.ClusterProperties;
import dev.quorumkv.cluster.FailureDetector;
import dev.quorumkv.coordinator.ReplicationProperties;
import dev.quorumkv.replica.ReplicaController.ReplicaLimits;
import dev.quorumkv.storage.ReplicaStore;
import dev.quorumkv.version.HybridLogicalClock;
import io.netty.channel.ChannelOption;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

@Configuration(proxyBeanMethods = false)
class ReplicaConfiguration {

    /**
     * How long a call to a peer may stay open. Far above the quorum timeout on purpose: the coordinator
     * stops waiting after quorumkv.replication.timeout, but a slow replica should still receive the write;
     * this only bounds the connections a hung peer can hold.
     */
    private static final Duration PEER_CALL_LIMIT = Duration.ofSeconds(30);

    /** Room in an internal request body for the version, content type and framing around the value. */
    private static final long ENVELOPE_BYTES = 64 * 1024;

    @Bean
    LocalReplica localReplica(ReplicaStore store, HybridLogicalClock clock) {
        return new LocalReplica(store, clock);
    }

    @Bean
    ReplicaLimits replicaLimits(QuorumKvProperties properties) {
        return new ReplicaLimits(Math.max(properties.maxValueBytes().toBytes(), PeerCallQueue.MAX_BATCH_BYTES) + ENVELOPE_BYTES);
    }

    /** Enough connections per peer for high concurrency; waiters beyond them queue rather than fail. */
    @Bean(destroyMethod = "dispose")
    ConnectionProvider peerConnections() {
        return ConnectionProvider.builder("quorumkv-peers")
                .maxConnections(512)
                .pendingAcquireMaxCount(16_384)
                .pendingAcquireTimeout(PEER_CALL_LIMIT)
                .maxIdleTime(Duration.ofSeconds(30))
                .build();
    }

    @Bean
    WebClientReplicaClient peerHttpClient(ConnectionProvider peerConnections, ClusterProperties clusterProperties,
            ReplicationProperties replication, ReplicaLimits limits) {
        HttpClient netty = HttpClient.create(peerConnections)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, replication.timeout().toMillis()))
                .responseTimeout(PEER_CALL_LIMIT);
        // A plain builder, not Boot's: peer calls are measured per peer by quorumkv.replica.* already, and
        // a second observation per call (http.client.requests) would cost on the hottest path.
        WebClient webClient = WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(netty))
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize((int) limits.maxBodyBytes()))
                .build();
        return new WebClientReplicaClient(webClient, clusterProperties.secret(), replication.timeout());
    }

    @Bean
    ReplicaClient replicaClient(Cluster cluster, LocalReplica local, WebClientReplicaClient peerHttpClient) {
        return new RoutingReplicaClient(cluster, local, new BatchingReplicaClient(peerHttpClient));
    }

    @Bean
    PeerPathWarmUp peerPathWarmUp(Cluster cluster, WebClientReplicaClient peerHttpClient, Environment environment) {
        return new PeerPathWarmUp(cluster, peerHttpClient, environment.getProperty("server.address"));
    }

    @Bean(destroyMethod = "close")
    PeerProber peerProber(Cluster cluster, FailureDetector failureDetector, ReplicaClient replicaClient,
            ClusterProperties properties) {
        return new PeerProber(cluster, failureDetector, replicaClient, properties.probeInterval());
    }

    @Bean
    WebMvcConfigurer internalApiSecurity(ClusterProperties properties) {
        ClusterSecretInterceptor interceptor = new ClusterSecretInterceptor(properties.secret());
        return new WebMvcConfigurer() {
            @Override
            public void addInterceptors(InterceptorRegistry registry) {
                registry.addInterceptor(interceptor).addPathPatterns("/internal/**");
            }
        };
    }
}
