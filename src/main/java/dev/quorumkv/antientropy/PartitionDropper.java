package dev.quorumkv.antientropy;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.Placement;
import dev.quorumkv.storage.StampedKeys;

/**
 * Removes the keys of partitions this node neither reads nor writes any more: what it gave away in a membership
 * change. Safe once this node has the placement that leaves them out: the change reached DROP_OLD only after
 * every member read the new owners, so nobody reads this copy, and a copy kept would come back stale (deletes
 * purged meanwhile resurrected) should the partition return to this node one day. A key written since the scan
 * saw it is left: {@link StampedKeys#removeAt} removes only the version seen.
 */
final class PartitionDropper {

    private final String selfId;
    private final StampedKeys store;
    /**
     * The partitions the last placement gave this node: since its scan (or since a placement holding no less), the
     * store holds keys of these only. Null before the first placement: what an earlier run left is unknown.
     */
    private boolean[] heldBefore;

    PartitionDropper(String selfId, StampedKeys store) {
        this.selfId = selfId;
        this.store = store;
    }

    /**
     * Drops what {@code placement} does not give this node, scanning the store only when the placement before gave it
     * a partition this one does not (each phase of a change is a placement; most give nothing away). A placement that
     * does not name this node drops nothing: one of epoch 0 (members from the settings, before the topology is known),
     * or an older epoch a joiner is still catching up on while its peers already write to it; nor does one where it
     * has LEFT (its data is never served again, and is kept for whoever wants to look).
     *
     * @return the keys removed
     */
    long dropNotHeld(Placement placement) {
        if (placement.epoch() == 0 || !holds(placement.replicaMembers())) {
            return 0;
        }
        boolean[] held = new boolean[placement.partitions()];
        boolean holdsAll = true;
        for (int partition = 0; partition < held.length; partition++) {
            held[partition] = holds(placement.readReplicas(partition)) || holds(placement.writeReplicas(partition));
            holdsAll &= held[partition];
        }
        boolean[] before = heldBefore;
        heldBefore = held;
        if (holdsAll || before != null && !lostAny(before, held)) {
            return 0;
        }
        AtomicLong dropped = new AtomicLong();
        store.scan(null, (key, stamp) -> {
            if (!held[placement.partitionOf(key)] && store.removeAt(key, stamp.version())) {
                dropped.incrementAndGet();
            }
            return true;
        });
        return dropped.get();
    }

    private static boolean lostAny(boolean[] before, boolean[] now) {
        if (before.length != now.length) {
            return true;
        }
        for (int partition = 0; partition < now.length; partition++) {
            if (before[partition] && !now[partition]) {
                return true;
            }
        }
        return false;
    }

    private boolean holds(List<Member> replicas) {
        return replicas.stream().anyMatch(member -> member.id().equals(selfId));
    }
}
