package dev.quorumkv.replica;

import java.time.Duration;

import dev.quorumkv.QuorumKvProperties;
import dev.quorumkv.antientropy.AntiEntropyClient;
import dev.quorumkv.antientropy.AntiEntropyProperties;
import dev.quorumkv.antientropy.ReadFence;
import dev.quorumkv.cluster.ClockOffsets;
import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.ClusterProperties;
import dev.quorumkv.coordinator.ReplicaClient;
import dev.quorumkv.coordinator.ReplicationProperties;
import dev.quorumkv.coordinator.StandInClient;
import dev.quorumkv.handoff.StandInHints;
import dev.quorumkv.membership.JoinRequester;
import dev.quorumkv.membership.MemberProgressSource;
import dev.quorumkv.storage.ReplicaStore;
import dev.quorumkv.time.TimeSource;
import dev.quorumkv.version.HybridLogicalClock;
import io.netty.channel.ChannelOption;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

@Configuration(proxyBeanMethods = false)
class ReplicaConfiguration {

    /**
     * How long a call to a peer may stay open. Far above the quorum timeout on purpose: the coordinator
     * stops waiting after quorumkv.replication.timeout, but a slow replica should still receive the write;
     * this only bounds the connections a hung peer can hold.
     */
    private static final Duration PEER_CALL_LIMIT = Duration.ofSeconds(30);

    /** Above the largest page of keys a peer answers (AntiEntropyReplica.PAGE_KEYS of the longest keys). */
    private static final int ANTI_ENTROPY_MAX_BODY_BYTES = 2 * 1024 * 1024;

    @Bean
    LocalReplica localReplica(ReplicaStore store, HybridLogicalClock clock, ReadFence readFence) {
        return new LocalReplica(store, clock, readFence);
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

    /**
     * The event loops of this node's peer calls: its own, not Reactor Netty's JVM-wide ones, which the first Spring
     * context to close stops for everyone, cutting the peer calls in flight of every other node in the JVM (the
     * in-process test clusters). dispose() lets calls in flight end (a 2 s quiet period) without holding up the stop.
     */
    @Bean(destroyMethod = "dispose")
    LoopResources peerEventLoops() {
        return LoopResources.create("quorumkv-peers");
    }

    /** What every peer client starts from: this node's connections on this node's event loops. */
    @Bean
    HttpClient peerNetty(ConnectionProvider peerConnections, LoopResources peerEventLoops) {
        return HttpClient.create(peerConnections).runOn(peerEventLoops);
    }

    @Bean
    WebClientReplicaClient peerHttpClient(HttpClient peerNetty, ClusterProperties clusterProperties,
            ReplicationProperties replication, QuorumKvProperties node, ClockOffsets clockOffsets, TimeSource time) {
        HttpClient netty = peerNetty
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, replication.timeout().toMillis()))
                .responseTimeout(PEER_CALL_LIMIT);
        // A plain builder, not Boot's: peer calls are measured per peer by quorumkv.replica.* already, and
        // a second observation per call (http.client.requests) would cost on the hottest path.
        WebClient webClient = WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(netty))
                .codecs(codecs -> codecs.defaultCodecs()
                        .maxInMemorySize((int) InternalApi.maxBodyBytes(node.maxValueBytes().toBytes())))
                .build();
        return new WebClientReplicaClient(webClient, clusterProperties.secret(), replication.timeout(), PEER_CALL_LIMIT,
                clockOffsets, time);
    }

    /**
     * Its own client on the same connections: a page of keys may be larger than the replica calls' bodies,
     * and exchanges are rare enough to leave unmeasured per call.
     */
    @Bean
    AntiEntropyClient antiEntropyClient(HttpClient peerNetty, ClusterProperties clusterProperties,
            AntiEntropyProperties antiEntropy) {
        HttpClient netty = peerNetty.responseTimeout(antiEntropy.timeout());
        WebClient webClient = WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(netty))
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(ANTI_ENTROPY_MAX_BODY_BYTES))
                .build();
        return new WebClientAntiEntropyClient(webClient, clusterProperties.secret());
    }

    /** The change driver's view of each member's progress, on the peers' connections. */
    @Bean
    MemberProgressSource memberProgressSource(HttpClient peerNetty, ClusterProperties clusterProperties,
            ReplicationProperties replication) {
        HttpClient netty = peerNetty.responseTimeout(replication.timeout());
        WebClient webClient = WebClient.builder().clientConnector(new ReactorClientHttpConnector(netty)).build();
        return new WebClientMemberProgressSource(webClient, clusterProperties.secret(), replication.timeout());
    }

    /** How a node that joins by itself asks a contact point to add it; a join commits within seconds. */
    @Bean
    JoinRequester joinRequester(HttpClient peerNetty, Cluster cluster, ClusterProperties clusterProperties) {
        Duration timeout = Duration.ofSeconds(30);
        HttpClient netty = peerNetty.responseTimeout(timeout);
        WebClient webClient = WebClient.builder().clientConnector(new ReactorClientHttpConnector(netty)).build();
        return new WebClientJoinRequester(webClient, cluster, clusterProperties.secret(), timeout);
    }

    /** The one every user of the port gets: this node by a local call, peers batched over HTTP. */
    @Bean
    @Primary
    ReplicaClient replicaClient(Cluster cluster, LocalReplica local, WebClientReplicaClient peerHttpClient, TimeSource time) {
        return new RoutingReplicaClient(cluster, local, new BatchingReplicaClient(peerHttpClient, time));
    }

    /** A sloppy quorum's stand-ins: this node by a local call, peers over HTTP. */
    @Bean
    @Primary
    StandInClient standInClient(Cluster cluster, StandInHints standInHints, WebClientReplicaClient peerHttpClient) {
        return new RoutingStandInClient(cluster, standInHints, peerHttpClient);
    }

    @Bean
    PeerPathWarmUp peerPathWarmUp(Cluster cluster, WebClientReplicaClient peerHttpClient, Environment environment) {
        return new PeerPathWarmUp(cluster, peerHttpClient, environment.getProperty("server.address"));
    }
}
