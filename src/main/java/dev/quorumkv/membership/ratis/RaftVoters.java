package dev.quorumkv.membership.ratis;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.quorumkv.membership.MemberState;
import dev.quorumkv.membership.Topology;
import dev.quorumkv.membership.TopologyMember;

/**
 * Keeps the Raft group in step with the topology, from the leader. Every member of the topology that joined with its
 * host id is in the group, so that its log catches up and it learns the topology: as a voter while fewer than
 * {@link RaftLogSettings#MAX_MEMBERS} vote, else as a listener, which takes and applies the log but votes for nothing
 * (more voters would only slow every commit and election). A member that has LEFT is removed, voter or listener; when
 * that leaves fewer than five voting, a listener is promoted. Looks every {@code intervalMillis}, so an addition that
 * failed (the joiner not started yet) or a leader change is caught up with by itself. One change per look, as Raft
 * wants, each a compare-and-set from the group as the leader sees it ({@link ConfigurationChanges}).
 * <p>
 * On every member, each look first lets the Raft log start again from its storage if its server runs in another role
 * than the group gives it ({@link RatisTopologyLog#restartIfOutOfRole}).
 */
final class RaftVoters implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RaftVoters.class);

    /** One change to the group. */
    sealed interface Change {
        String id();
    }

    record Remove(String id) implements Change {
    }

    record Promote(String id) implements Change {
    }

    record AddVoter(String id, TopologyMember member) implements Change {
    }

    record AddListener(String id, TopologyMember member) implements Change {
    }

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
            topologyLog.restartIfOutOfRole();
            reconcile(topologyLog.current());
        }
        catch (RuntimeException ex) {
            log.info("The Raft group is not in step with the topology yet: {}", ex.toString());
        }
    }

    void reconcile(Topology topology) {
        if (topology.isEmpty() || !topologyLog.leads()) {
            return;
        }
        RaftCommandLog raft = topologyLog.raftLog();
        Map<String, String> voters = raft.peers();
        Map<String, String> listeners = raft.listeners();
        Optional<Change> next = next(topology.members(), voters.keySet(), listeners.keySet());
        if (next.isEmpty()) {
            return;
        }
        log.info("Raft group of {} voters and {} listeners: {}", voters.size(), listeners.size(), next.get());
        Change change = next.get();
        if (change instanceof Remove) {
            raft.removePeer(change.id());
        }
        else if (change instanceof Promote) {
            raft.promote(change.id());
        }
        else if (change instanceof AddVoter add) {
            raft.addPeer(add.id(), addresses.of(add.id(), add.member().url()));
        }
        else if (change instanceof AddListener add) {
            raft.addListener(add.id(), addresses.of(add.id(), add.member().url()));
        }
    }

    /**
     * The one change the group needs next, in this order: a member that LEFT out (never the last voter); a listener
     * promoted while fewer than five vote; a claimed member the group lacks added, as a voter while fewer than five
     * vote, else as a listener. Members in topology order, so every leader decides alike.
     */
    static Optional<Change> next(List<TopologyMember> members, Set<String> voters, Set<String> listeners) {
        for (TopologyMember member : members) {
            if (member.state() == MemberState.LEFT
                    && (listeners.contains(member.id()) || voters.contains(member.id()) && voters.size() > 1)) {
                return Optional.of(new Remove(member.id()));
            }
        }
        boolean roomForAVoter = voters.size() < RaftLogSettings.MAX_MEMBERS;
        if (roomForAVoter) {
            for (TopologyMember member : members) {
                if (member.state() != MemberState.LEFT && listeners.contains(member.id())) {
                    return Optional.of(new Promote(member.id()));
                }
            }
        }
        for (TopologyMember member : members) {
            if (member.state() != MemberState.LEFT && member.claimed() && member.url() != null
                    && !voters.contains(member.id()) && !listeners.contains(member.id())) {
                return Optional.of(roomForAVoter ? new AddVoter(member.id(), member) : new AddListener(member.id(), member));
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
