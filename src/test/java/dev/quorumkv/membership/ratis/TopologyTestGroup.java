package dev.quorumkv.membership.ratis;

import java.nio.file.Path;
import java.util.Collection;
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

    private final RunningMembers<RatisTopologyLog> members;

    TopologyTestGroup(Path dir) {
        this.members = new RunningMembers<>(dir, RatisTopologyLog::start);
    }

    /** Starts {@code size} members that form one group from a fixed list of peers; no topology yet. */
    TopologyTestGroup start(int size) {
        members.bootstrap(size);
        return this;
    }

    RatisTopologyLog start(String id) {
        return members.start(id);
    }

    /** Starts a member outside the group, waiting to be added. */
    RatisTopologyLog startJoining(String id) {
        return members.startJoining(id);
    }

    String address(String id) {
        return members.address(id);
    }

    void stop(String id) {
        members.stop(id);
    }

    RatisTopologyLog member(String id) {
        return members.member(id);
    }

    Collection<RatisTopologyLog> running() {
        return members.running();
    }

    /** The leader the running voters agree on, once they do (a joining member or a listener may know none). */
    RatisTopologyLog leader() {
        return await().atMost(RaftTestGroup.CONVERGENCE).until(this::agreedLeader, leader -> leader != null);
    }

    private RatisTopologyLog agreedLeader() {
        Set<String> named = running().stream().filter(m -> m.raftLog().peers().containsKey(m.raftLog().memberId()))
                .map(m -> m.raftLog().leaderId().orElse("")).collect(Collectors.toSet());
        return named.size() == 1 ? member(named.iterator().next()) : null;
    }

    /** A running member that is not the leader. */
    RatisTopologyLog follower() {
        RatisTopologyLog leader = leader();
        return running().stream().filter(m -> m != leader).findFirst().orElseThrow();
    }

    /** Waits until every running member's current topology is {@code topology}. */
    void awaitEveryMemberAt(Topology topology) {
        await().atMost(RaftTestGroup.CONVERGENCE).untilAsserted(() -> running().forEach(
                member -> assertThat(member.current()).as("the topology of %s", member).isEqualTo(topology)));
    }

    @Override
    public void close() {
        members.close();
    }
}
