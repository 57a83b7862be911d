package dev.quorumkv.membership.ratis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import dev.quorumkv.membership.Topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real {@link RatisTopologyLog} members on 127.0.0.1, m1.., as {@link RaftTestGroup} starts Raft logs: each with a free
 * port and a directory of its own, that a test can stop and restart from its storage; {@link #close()} closes every
 * member still running.
 */
final class TopologyTestGroup implements AutoCloseable {

    private final Path dir;
    private final Map<String, RaftLogSettings> settings = new LinkedHashMap<>();
    private final Map<String, RatisTopologyLog> running = new LinkedHashMap<>();

    TopologyTestGroup(Path dir) {
        this.dir = dir;
    }

    /** Starts {@code size} members that form one group from a fixed list of peers; no topology yet. */
    TopologyTestGroup start(int size) {
        Map<String, String> peers = new LinkedHashMap<>();
        for (int i = 1; i <= size; i++) {
            peers.put("m" + i, "127.0.0.1:" + RaftTestGroup.freePort());
        }
        peers.keySet().forEach(id -> settings.put(id, RaftLogSettings.bootstrap(RaftTestGroup.CLUSTER, id, peers, dir.resolve(id))
                .withRequestTimeout(RaftTestGroup.REQUEST_TIMEOUT)));
        peers.keySet().forEach(this::start);
        return this;
    }

    RatisTopologyLog start(String id) {
        try {
            RatisTopologyLog member = RatisTopologyLog.start(settings.get(id));
            running.put(id, member);
            return member;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    void stop(String id) {
        running.remove(id).close();
    }

    RatisTopologyLog member(String id) {
        return running.get(id);
    }

    Collection<RatisTopologyLog> running() {
        return List.copyOf(running.values());
    }

    /** The leader the running members agree on, once they do. */
    RatisTopologyLog leader() {
        return await().atMost(RaftTestGroup.CONVERGENCE).until(this::agreedLeader, leader -> leader != null);
    }

    private RatisTopologyLog agreedLeader() {
        Set<String> named = running.values().stream().map(m -> m.raftLog().leaderId().orElse("")).collect(Collectors.toSet());
        return named.size() == 1 ? running.get(named.iterator().next()) : null;
    }

    /** A running member that is not the leader. */
    RatisTopologyLog follower() {
        RatisTopologyLog leader = leader();
        return running.values().stream().filter(m -> m != leader).findFirst().orElseThrow();
    }

    /** Waits until every running member's current topology is {@code topology}. */
    void awaitEveryMemberAt(Topology topology) {
        await().atMost(RaftTestGroup.CONVERGENCE).untilAsserted(() -> running.values().forEach(
                member -> assertThat(member.current()).as("the topology of %s", member).isEqualTo(topology)));
    }

    @Override
    public void close() {
        List<RatisTopologyLog> members = new ArrayList<>(running.values());
        running.clear();
        members.forEach(RatisTopologyLog::close);
    }
}
