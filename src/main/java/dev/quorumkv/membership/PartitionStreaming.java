package dev.quorumkv.membership;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.quorumkv.cluster.Member;

/**
 * This node's part of the STREAMING phase: it copies the partitions it receives from their old owners, once per
 * change. A partition counts as streamed once {@code sourcesNeeded} of its old owners (or all it has, if fewer)
 * were copied from completely: with {@code sourcesNeeded} = N - W + 1, at least one of them holds every write
 * acknowledged before writes reached the new owners too. Writes since then reach the new owners directly.
 * Copying is idempotent (newer wins), so a run cut short, or repeated after a restart, does no harm.
 */
public final class PartitionStreaming {

    private static final Logger log = LoggerFactory.getLogger(PartitionStreaming.class);

    private final String selfId;
    private final TopologyLog topologyLog;
    private final PartitionCopier copier;
    private final int sourcesNeeded;
    private volatile long streamedEpoch;

    public PartitionStreaming(String selfId, TopologyLog topologyLog, PartitionCopier copier, int sourcesNeeded) {
        if (sourcesNeeded < 1) {
            throw new IllegalArgumentException("sourcesNeeded must be at least 1: " + sourcesNeeded);
        }
        this.selfId = selfId;
        this.topologyLog = topologyLog;
        this.copier = copier;
        this.sourcesNeeded = sourcesNeeded;
    }

    /** The epoch of the newest STREAMING phase this node has finished its part of; 0 if none. */
    public long streamedEpoch() {
        return streamedEpoch;
    }

    /**
     * Streams this node's incoming partitions if the running change is in STREAMING and this node has not finished
     * them for this epoch. Blocks while it copies; meant for a periodic task's thread. Returns whether it is done.
     */
    public boolean streamIfDue() {
        Topology topology = topologyLog.current();
        MemberChange change = topology.change().orElse(null);
        if (change == null || change.phase() != Phase.STREAMING || streamedEpoch >= topology.epoch()) {
            return change == null || streamedEpoch >= topology.epoch();
        }
        Map<Integer, List<Member>> incoming = IncomingPartitions.of(topology, selfId);
        Map<Member, List<Integer>> bySource = new LinkedHashMap<>();
        incoming.forEach((partition, sources) -> sources.forEach(
                source -> bySource.computeIfAbsent(source, any -> new ArrayList<>()).add(partition)));
        Map<Integer, Integer> copiedFrom = new HashMap<>();
        bySource.forEach((source, partitions) -> {
            try {
                long keys = copier.copy(source, partitions);
                partitions.forEach(partition -> copiedFrom.merge(partition, 1, Integer::sum));
                log.info("Streamed {} keys of {} partitions from {} for epoch {}", keys, partitions.size(), source.id(),
                        topology.epoch());
            }
            catch (RuntimeException ex) {
                log.warn("Streaming {} partitions from {} for epoch {} failed, will retry: {}", partitions.size(),
                        source.id(), topology.epoch(), ex.toString());
            }
        });
        boolean done = incoming.entrySet().stream().allMatch(entry -> copiedFrom.getOrDefault(entry.getKey(), 0)
                >= Math.min(sourcesNeeded, entry.getValue().size()));
        if (done) {
            streamedEpoch = topology.epoch();
        }
        return done;
    }
}
