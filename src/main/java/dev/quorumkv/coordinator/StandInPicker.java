package dev.quorumkv.coordinator;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.FailureDetector;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;

/**
 * Picks the stand-ins of a sloppy quorum: for owners of a key that are marked down, the next members around
 * the ring that are up and own no copy of the key. The ring is the members sorted by id, walked from the one
 * after the key's primary owner, so every coordinator picks the same stand-ins for the same key and the same
 * view of who is down, and the hints for one owner's keys spread over the members after it rather than all
 * landing on one node.
 */
final class StandInPicker {

    private final List<Member> ring;
    private final FailureDetector failureDetector;

    StandInPicker(Cluster cluster, FailureDetector failureDetector) {
        this.ring = cluster.members().stream().sorted(Comparator.comparing(Member::id)).toList();
        this.failureDetector = failureDetector;
    }

    /**
     * Stand-ins for as many of the owners marked down as a quorum of {@code w} needs, one per owner, the owners
     * taken in preference order.
     *
     * @param owners the key's replicas, primary first
     * @return stand-in → the owner it stands in for, in ring order; empty when enough owners are up
     * @throws QuorumFailedException unavailable, naming the owners left without one, when too few members outside
     *         the owners are up to make {@code w}
     */
    Map<Member, Member> pick(List<Member> owners, int w) {
        List<Member> down = owners.stream().filter(owner -> !failureDetector.isUp(owner)).toList();
        int needed = Math.min(down.size(), w - (owners.size() - down.size()));
        Map<Member, Member> standIns = new LinkedHashMap<>();
        int primary = ring.indexOf(owners.get(0));
        for (int step = 1; step < ring.size() && standIns.size() < needed; step++) {
            Member candidate = ring.get((primary + step) % ring.size());
            if (!owners.contains(candidate) && failureDetector.isUp(candidate)) {
                standIns.put(candidate, down.get(standIns.size()));
            }
        }
        if (standIns.size() < needed) {
            Map<String, String> causes = new LinkedHashMap<>();
            down.subList(standIns.size(), down.size()).forEach(owner -> causes.put(owner.id(),
                    "marked down, and no member outside the key's replicas is up to stand in for it"));
            throw QuorumFailedException.of(Operation.WRITE, Reason.UNAVAILABLE, 0, w, owners.size(), causes);
        }
        return standIns;
    }
}
