package dev.quorumkv.membership.ratis;

import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.quorumkv.membership.MemberState;
import dev.quorumkv.membership.Topology;
import dev.quorumkv.membership.TopologyMember;

/**
 * Keeps the Raft group's voters in step with the topology, from the leader: a member that joined with its host id
 * is added while fewer than {@link RaftLogSettings#MAX_MEMBERS} vote (its log then catches up and it learns the
 * topology), and a member that has LEFT is removed. Looks every {@code intervalMillis}, so an addition that failed
 * (the joiner not started yet) or a leader change is caught up with by itself. One change at a time, as Raft wants.
 */
final class RaftVoters implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RaftVoters.class);

    private final RatisTopologyLog topologyLog;
    private final RaftAddresses addresses;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread voters = new Thread(task, "raft-voters");
        voters.setDaemon(true);
        return voters;
    });

    RaftVoters(RatisTopologyLog topologyLog, RaftAddresses addresses, long intervalMillis) {
        this.topologyLog = topologyLog;
        this.addresses = addresses;
        thread.scheduleWithFixedDelay(this::reconcileQuietly, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    private void reconcileQuietly() {
        try {
            reconcile(topologyLog.current());
        }
        catch (RuntimeException ex) {
            log.info("The Raft group's voters are not in step with the topology yet: {}", ex.toString());
        }
    }

    void reconcile(Topology topology) {
        if (topology.isEmpty() || !topologyLog.leads()) {
            return;
        }
        RaftCommandLog raft = topologyLog.raftLog();
        Map<String, String> voters = raft.peers();
        for (TopologyMember member : topology.members()) {
            if (member.state() == MemberState.LEFT && voters.containsKey(member.id()) && voters.size() > 1) {
                log.info("Removing {} from the Raft group: it has left", member.id());
                raft.removePeer(member.id());
                return;
            }
        }
        if (voters.size() >= RaftLogSettings.MAX_MEMBERS) {
            return;
        }
        for (TopologyMember member : topology.members()) {
            if (member.state() != MemberState.LEFT && member.claimed() && member.url() != null
                    && !voters.containsKey(member.id())) {
                log.info("Adding {} to the Raft group ({} voters)", member.id(), voters.size() + 1);
                raft.addPeer(member.id(), addresses.of(member.id(), member.url()));
                return;
            }
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
