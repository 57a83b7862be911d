package dev.quorumkv.membership.ratis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

import dev.quorumkv.QuorumKvProperties;
import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.ClusterProperties;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.membership.Bootstrap;
import dev.quorumkv.membership.ChangeDriver;
import dev.quorumkv.membership.InMemoryTopologyLog;
import dev.quorumkv.membership.JoinRequester;
import dev.quorumkv.membership.LocalProgress;
import dev.quorumkv.membership.MemberProgressSource;
import dev.quorumkv.membership.MemberState;
import dev.quorumkv.membership.MembershipHealthIndicator;
import dev.quorumkv.membership.MembershipProperties;
import dev.quorumkv.membership.MembershipStartup;
import dev.quorumkv.membership.MembershipTask;
import dev.quorumkv.membership.PartitionCopier;
import dev.quorumkv.membership.PartitionStreaming;
import dev.quorumkv.membership.TopologyFollower;
import dev.quorumkv.membership.TopologyLog;
import dev.quorumkv.membership.TopologyMember;
import dev.quorumkv.storage.DataDirectory;
import dev.quorumkv.storage.HostId;
import dev.quorumkv.time.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The topology log of this node and what follows it. A cluster keeps it in Raft: the group is formed the first time by
 * the first {@link RaftLogSettings#MAX_MEMBERS} members of {@code quorumkv.cluster.members}, in the listed order, each
 * at the address {@link RaftAddresses} derives from its url; its storage is {@code <quorumkv.storage.dir>/raft}, so a
 * lost disk loses it with the data. A single-node store (no members configured) has no one to agree with: its log is
 * in memory, formed again at each start.
 */
@Configuration(proxyBeanMethods = false)
class MembershipConfiguration {

    /** Names the Raft group; its id is derived from it. */
    static final String CLUSTER_NAME = "quorumkv";

    @Bean(destroyMethod = "close")
    TopologyLog topologyLog(Cluster cluster, ClusterProperties clusterProperties, MembershipProperties properties,
            DataDirectory dataDirectory) {
        if (clusterProperties.members() == null || clusterProperties.members().isBlank()) {
            return new InMemoryTopologyLog();
        }
        RaftAddresses addresses = new RaftAddresses(properties.raftPort());
        List<Member> configured = cluster.members();
        Map<String, String> firstMembers = new LinkedHashMap<>();
        configured.stream().limit(RaftLogSettings.MAX_MEMBERS).forEach(member -> firstMembers.put(member.id(), addresses.of(member.id(), member.url())));
        Member self = cluster.self();
        String selfAddress = addresses.of(self.id(), self.url());
        RaftLogSettings settings = firstMembers.containsKey(self.id())
                ? RaftLogSettings.bootstrap(CLUSTER_NAME, self.id(), firstMembers, dataDirectory.path().resolve("raft"))
                : RaftLogSettings.joining(CLUSTER_NAME, self.id(), selfAddress, dataDirectory.path().resolve("raft"));
        try {
            return RatisTopologyLog.start(settings);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("the topology log (Raft) could not start at " + selfAddress + ": " + ex.getMessage(), ex);
        }
    }

    /** Refuses to start here, with a message, a node whose host id has LEFT by the topology its log recovered. */
    @Bean
    MembershipStartup membershipStartup(TopologyLog topologyLog, Cluster cluster, ClusterProperties clusterProperties,
            QuorumKvProperties node, HostId hostId, TimeSource time, MembershipProperties properties,
            // Read by name: the replication settings belong to the coordinator.
            @Value("${quorumkv.replication.n:3}") int replicas, JoinRequester joinRequester) {
        List<TopologyMember> first = cluster.members().stream()
                .map(member -> new TopologyMember(member.id(), null, member.url(), MemberState.NORMAL)).toList();
        MembershipStartup startup = new MembershipStartup(topologyLog, new Bootstrap(first, clusterProperties.partitions(), replicas),
                node.resolvedNodeId(), cluster.self().url(), hostId.value(), time, properties.claimRetry(),
                clusterProperties.autoJoin() ? joinRequester : null);
        startup.refuseIfRetired();
        return startup;
    }

    @Bean
    TopologyFollower topologyFollower(TopologyLog topologyLog, Cluster cluster, MeterRegistry registry) {
        return new TopologyFollower(topologyLog, cluster, registry);
    }

    @Bean("membership")
    MembershipHealthIndicator membershipHealthIndicator(TopologyLog topologyLog, MembershipStartup startup) {
        return new MembershipHealthIndicator(topologyLog, startup);
    }

    /**
     * This node's part of a change's STREAMING phase. A partition is streamed once N - W + 1 of its old owners were
     * copied from: one of any such set holds every write acknowledged before the new owners were written too.
     */
    @Bean
    PartitionStreaming partitionStreaming(TopologyLog topologyLog, Cluster cluster, PartitionCopier copier,
            @Value("${quorumkv.replication.n:3}") int replicas, @Value("${quorumkv.replication.w:2}") int writeQuorum) {
        return new PartitionStreaming(cluster.self().id(), topologyLog, copier, Math.max(1, replicas - writeQuorum + 1));
    }

    /** An epoch is settled twice the replication timeout after it was applied: operations begun before are over. */
    @Bean
    LocalProgress localProgress(TopologyLog topologyLog, TimeSource time, PartitionStreaming streaming,
            @Value("${quorumkv.replication.timeout:1s}") Duration replicationTimeout) {
        return new LocalProgress(topologyLog, time, replicationTimeout.multipliedBy(2), streaming);
    }

    @Bean(destroyMethod = "close")
    MembershipTask membershipTask(TopologyLog topologyLog, PartitionStreaming streaming, MemberProgressSource members,
            TimeSource time, MembershipProperties properties) {
        return new MembershipTask(topologyLog, streaming, new ChangeDriver(topologyLog, members), time,
                properties.changeInterval(), Executors.newSingleThreadExecutor(task -> {
                    Thread thread = new Thread(task, "membership");
                    thread.setDaemon(true);
                    return thread;
                }));
    }

    /**
     * On a Raft-kept topology, the leader adds the members that join, as voters up to five and as listeners beyond, and
     * removes those that left.
     */
    @Bean(destroyMethod = "close")
    AutoCloseable raftVoters(TopologyLog topologyLog, MembershipProperties properties) {
        if (!(topologyLog instanceof RatisTopologyLog raft)) {
            return () -> { };
        }
        return new RaftVoters(raft, new RaftAddresses(properties.raftPort()), properties.changeInterval().toMillis());
    }
}
