package dev.quorumkv.coordinator;

import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import dev.quorumkv.cluster.FailureDetector;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.Placement;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;

/**
 * Picks the stand-ins of a sloppy quorum: for owners of a key that are marked down, the next members around
 * the ring that are up and own no copy of the key. The ring is the members sorted by id, walked from the one
 * after the key's primary owner, so every coordinator picks the same stand-ins for the same key and the same
 * view of who is down, and the hints for one owner's keys spread over the members after it rather than all
 * landing on one node. The ring and the owners come from the placement the write was given: its members now.
 */
final class StandInPicker {

    private final FailureDetector failureDetector;

    StandInPicker(FailureDetector failureDetector) {
        this.failureDetector = failureDetector;
    }

    /**
     * Stand-ins for as many of the owners marked down as a quorum of {@code w} in each write group needs, one per
     * owner, the owners taken in preference order, group by group. An owner in two groups (one that keeps its place
     * while the membership changes) with a stand-in counts for both.
     *
     * @param replicas whom the write of the key goes to, primary first ({@link Placement#writeReplicas})
     * @param groups   the groups that each need {@code w} ({@link Placement#writeQuorums})
     * @return stand-in → the owner it stands in for, in ring order; empty when enough owners are up
     * @throws QuorumFailedException unavailable, naming the owners left without one, when too few members outside
     *         the replicas are up to make {@code w}
     */
    Map<Member, Member> pick(Placement placement, List<Member> replicas, List<List<Member>> groups, int w) {
        Map<Member, Member> standIns = new LinkedHashMap<>();
        Set<Member> covered = new HashSet<>();
        Iterator<Member> candidates = candidates(placement.replicaMembers(), replicas);
        for (List<Member> group : groups) {
            long missing = w - group.stream().filter(owner -> failureDetector.isUp(owner) || covered.contains(owner)).count();
            for (Member owner : group) {
                if (missing <= 0) {
                    break;
                }
                if (failureDetector.isUp(owner) || covered.contains(owner)) {
                    continue;
                }
                if (!candidates.hasNext()) {
                    throw unavailable(replicas, covered, w);
                }
                standIns.put(candidates.next(), owner);
                covered.add(owner);
                missing--;
            }
        }
        return standIns;
    }

    /** The members after the primary around the ring, outside the replicas and up, looked at as they are taken. */
    private Iterator<Member> candidates(List<Member> members, List<Member> replicas) {
        List<Member> ring = members.stream().sorted(Comparator.comparing(Member::id)).toList();
        int primary = ring.indexOf(replicas.get(0));
        return IntStream.range(1, ring.size())
                .mapToObj(step -> ring.get(Math.floorMod(primary + step, ring.size())))
                .filter(candidate -> !replicas.contains(candidate) && failureDetector.isUp(candidate))
                .iterator();
    }

    private QuorumFailedException unavailable(List<Member> replicas, Set<Member> covered, int w) {
        Map<String, String> causes = new LinkedHashMap<>();
        replicas.stream().filter(owner -> !failureDetector.isUp(owner) && !covered.contains(owner)).forEach(owner -> causes.put(owner.id(),
                "marked down, and no member outside the key's replicas is up to stand in for it"));
        return QuorumFailedException.of(Operation.WRITE, Reason.UNAVAILABLE, 0, w, replicas.size(), causes);
    }
}
