package dev.quorumkv.membership;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.quorumkv.cluster.Member;

/**
 * Moves the running change through its phases, one {@link AdvancePhase} per step, each only after its barrier:
 * every member has settled on the current epoch (it acts on it alone), and in STREAMING every member receiving
 * partitions has copied them. A member that does not answer holds the change where it is, to go on when it
 * answers again; nothing is skipped. Runs on the Raft leader; the advance is a compare-and-set on the epoch, so a
 * second driver (a leader change mid-step) can only be refused, never apply a phase twice.
 */
public final class ChangeDriver {

    private static final Logger log = LoggerFactory.getLogger(ChangeDriver.class);

    /** What a step did. */
    public enum Step {
        /** No change is running. */
        IDLE,
        /** The barrier is not passed yet; {@link #waitingFor()} says for whom. */
        WAITING,
        /** The change moved to its next phase, or ended. */
        ADVANCED
    }

    private final TopologyLog topologyLog;
    private final MemberProgressSource members;
    private volatile String waitingFor = "";

    public ChangeDriver(TopologyLog topologyLog, MemberProgressSource members) {
        this.topologyLog = topologyLog;
        this.members = members;
    }

    /** Who or what the last step waited for; empty if it did not wait. */
    public String waitingFor() {
        return waitingFor;
    }

    public Step step() {
        Topology topology = topologyLog.current();
        MemberChange change = topology.change().orElse(null);
        if (change == null) {
            waitingFor = "";
            return Step.IDLE;
        }
        Optional<String> blocker = blocker(topology, change);
        if (blocker.isPresent()) {
            waitingFor = blocker.get();
            return Step.WAITING;
        }
        try {
            Topology next = topologyLog.submit(new AdvancePhase(topology.epoch())).join();
            waitingFor = "";
            log.info("Membership change {}: epoch {} -> {}, {}", change, topology.epoch(), next.epoch(),
                    next.change().map(running -> "phase " + running.phase()).orElse("done"));
            return Step.ADVANCED;
        }
        catch (CompletionException ex) {
            waitingFor = "the advance from epoch " + topology.epoch() + " was not committed: " + ex.getCause();
            return Step.WAITING;
        }
    }

    private Optional<String> blocker(Topology topology, MemberChange change) {
        List<Member> everyone = topology.replicaMembers();
        for (Member member : everyone) {
            Optional<MemberProgress> progress = members.progressOf(member);
            if (progress.isEmpty()) {
                return Optional.of(member.id() + " (no answer)");
            }
            if (progress.get().settledEpoch() < topology.epoch()) {
                return Optional.of(member.id() + " (not settled on epoch " + topology.epoch() + ")");
            }
            if (change.phase() == Phase.STREAMING && progress.get().streamedEpoch() < topology.epoch()
                    && !IncomingPartitions.of(topology, member.id()).isEmpty()) {
                return Optional.of(member.id() + " (streaming)");
            }
        }
        return Optional.empty();
    }
}
