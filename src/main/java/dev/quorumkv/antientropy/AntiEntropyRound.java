package dev.quorumkv.antientropy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.Placement;
import dev.quorumkv.time.TimeSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A round: one exchange with each peer over the partitions it shares with this node, one peer after another.
 * A partition whose exchanges with all its other owners completed is recorded in the {@link RepairHistory}
 * with the round's start, which is what lets tombstone GC purge.
 * <p>
 * Peers and owners come from the placement current when the round starts. A partition's owners here are its write
 * replicas ({@link Placement#writeReplicas}): while a change of members runs, its new owners as well as its old. A
 * tombstone is purged only once every replica a write of its key goes to holds it; a new owner that had the value
 * streamed to it but not yet the delete would otherwise bring the key back.
 */
class AntiEntropyRound {

    private static final Logger log = LoggerFactory.getLogger(AntiEntropyRound.class);

    private final Cluster cluster;
    private final Exchange exchange;
    private final RepairHistory history;
    private final TimeSource time;
    private final Counter complete;
    private final Counter failed;
    private final Counter keysRepaired;

    AntiEntropyRound(Cluster cluster, Exchange exchange, RepairHistory history, TimeSource time, MeterRegistry registry) {
        this.cluster = cluster;
        this.exchange = exchange;
        this.history = history;
        this.time = time;
        this.complete = registry.counter("quorumkv.anti_entropy.rounds", "outcome", "complete");
        this.failed = registry.counter("quorumkv.anti_entropy.rounds", "outcome", "failed");
        this.keysRepaired = registry.counter("quorumkv.anti_entropy.keys_repaired");
    }

    RoundResult run() {
        long started = time.wallMillis();
        long startedNanos = time.nanoTime();
        Placement placement = cluster.placement();
        Map<String, Exchange.Outcome> outcomes = new HashMap<>();
        List<String> failures = new ArrayList<>();
        long repaired = 0;
        for (Member peer : cluster.peersIn(placement)) {
            List<Integer> shared = sharedPartitions(placement, peer);
            if (shared.isEmpty()) {
                continue;
            }
            Exchange.Outcome outcome = exchange.run(peer, shared);
            outcomes.put(peer.id(), outcome);
            repaired += outcome.keysRepaired();
            keysRepaired.increment(outcome.keysRepaired());
            if (!outcome.complete()) {
                failures.add(outcome.failure());
            }
        }
        int completed = 0;
        for (int partition = 0; partition < placement.partitions(); partition++) {
            List<Member> owners = placement.writeReplicas(partition);
            if (owners.stream().anyMatch(cluster::isSelf) && owners.stream().filter(owner -> !cluster.isSelf(owner))
                    .allMatch(owner -> outcomes.containsKey(owner.id()) && outcomes.get(owner.id()).complete())) {
                history.completed(partition, started);
                completed++;
            }
        }
        (failures.isEmpty() ? complete : failed).increment();
        RoundResult result = new RoundResult(completed, repaired, failures);
        if (result.complete() && repaired == 0) {
            log.debug("Anti-entropy round complete in {} ms: replicas agree", (time.nanoTime() - startedNanos) / 1_000_000);
        }
        else {
            log.info("Anti-entropy round {} in {} ms: {} partitions complete, {} keys repaired{}",
                    result.complete() ? "complete" : "failed", (time.nanoTime() - startedNanos) / 1_000_000, completed, repaired,
                    failures.isEmpty() ? "" : ", " + failures);
        }
        return result;
    }

    private List<Integer> sharedPartitions(Placement placement, Member peer) {
        List<Integer> shared = new ArrayList<>();
        for (int partition = 0; partition < placement.partitions(); partition++) {
            List<Member> owners = placement.writeReplicas(partition);
            if (owners.contains(peer) && owners.stream().anyMatch(cluster::isSelf)) {
                shared.add(partition);
            }
        }
        return shared;
    }
}
