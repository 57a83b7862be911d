package dev.quorumkv.membership;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;
import dev.quorumkv.cluster.Placement;

/**
 * The cluster's membership at one epoch: who the members are, who owns each partition, and the change running, if
 * any, with its new owners. Immutable; each committed {@link TopologyChange} makes the next one, an epoch later.
 * What a coordinator asks of it: whom to read ({@link #readReplicas}), whom to write ({@link #writeReplicas}) and
 * whose acks a write needs ({@link #writeQuorums}); {@link Phase} says why they differ while a change runs.
 *
 * <p>The constructor checks every invariant ({@link TopologyInvariants}), so a topology decoded from a snapshot is as
 * sound as one the commands built.
 */
public final class Topology implements Placement {

    private static final Topology EMPTY = new Topology(0, 0, 0, List.of(), Set.of(), null, null);

    private final long epoch;
    private final int partitions;
    private final int replicas;
    private final List<TopologyMember> members;
    private final SortedSet<UUID> retiredHostIds;
    private final PartitionMap owners;
    private final MemberChange change;
    private final List<Move> moves;

    Topology(long epoch, int partitions, int replicas, List<TopologyMember> members, Collection<UUID> retiredHostIds,
            PartitionMap owners, MemberChange change) {
        this.epoch = epoch;
        this.partitions = partitions;
        this.replicas = replicas;
        this.members = members.stream().sorted(Comparator.comparing(TopologyMember::id)).toList();
        this.retiredHostIds = Collections.unmodifiableSortedSet(new TreeSet<>(retiredHostIds));
        this.owners = owners;
        this.change = change;
        TopologyInvariants.check(this);
        this.moves = change == null ? List.of() : movesOf(change);
    }

    /** Before the first topology: epoch 0, no members. Only {@link Bootstrap} applies to it. */
    public static Topology empty() {
        return EMPTY;
    }

    /** The next epoch's topology, with the same partitions and replica count. */
    Topology next(List<TopologyMember> nextMembers, Collection<UUID> nextRetired, PartitionMap nextOwners, MemberChange nextChange) {
        return new Topology(epoch + 1, partitions, replicas, nextMembers, nextRetired, nextOwners, nextChange);
    }

    @Override
    public long epoch() {
        return epoch;
    }

    public boolean isEmpty() {
        return epoch == 0;
    }

    /** The number of partitions the key space is cut into (0 before the first topology). */
    @Override
    public int partitions() {
        return partitions;
    }

    /** N: the owners each partition has once there are that many members. */
    public int replicas() {
        return replicas;
    }

    /** Every member by id, LEFT ones included (until their id joins again). */
    public List<TopologyMember> members() {
        return members;
    }

    public Optional<TopologyMember> member(String id) {
        return members.stream().filter(member -> member.id().equals(id)).findFirst();
    }

    /** Host ids that have LEFT, and may never come back: left members' and replaced ones'. */
    public SortedSet<UUID> retiredHostIds() {
        return retiredHostIds;
    }

    /** The owners as of the last finished change (null only before the first topology). */
    @Override
    public PartitionMap owners() {
        return owners;
    }

    public Optional<MemberChange> change() {
        return Optional.ofNullable(change);
    }

    public boolean isChanging() {
        return change != null;
    }

    /** The owner places changing hands in the running change, by partition; empty when none runs. */
    public List<Move> moves() {
        return moves;
    }

    /** Every member that has not left, as the coordinator knows it. */
    @Override
    public List<Member> replicaMembers() {
        return members.stream().filter(member -> member.state() != MemberState.LEFT).map(TopologyMember::member).toList();
    }

    @Override
    public int partitionOf(String key) {
        return owners.partitionOf(key);
    }

    /** Whom a read of the partition asks: the old owners until the change reads the new ones. */
    @Override
    public List<Member> readReplicas(int partition) {
        if (change == null) {
            return owners.owners(partition);
        }
        if (change.phase().readsNew()) {
            return change.pending().owners(partition);
        }
        if (change.kind() == MemberChange.Kind.REPLACE) { // the replacement has no data until it has streamed
            return owners.owners(partition).stream().filter(owner -> !owner.id().equals(change.memberId())).toList();
        }
        return owners.owners(partition);
    }

    public List<Member> readReplicas(String key) {
        return readReplicas(partitionOf(key));
    }

    /** Whom a write of the partition goes to: the old owners, then the new ones they lack, while both are written. */
    @Override
    public List<Member> writeReplicas(int partition) {
        if (change == null) {
            return owners.owners(partition);
        }
        if (!change.phase().writesBoth()) {
            return change.pending().owners(partition);
        }
        Set<Member> both = new LinkedHashSet<>(owners.owners(partition));
        both.addAll(change.pending().owners(partition));
        return List.copyOf(both);
    }

    public List<Member> writeReplicas(String key) {
        return writeReplicas(partitionOf(key));
    }

    /**
     * The groups a write of the partition must have W acks from, each: the owners, and while both old and new
     * are written and they differ, the new owners too. Counting W over both together is not enough: a write held
     * by the leaving owner and one other would be lost to reads once they move to the new owners.
     */
    @Override
    public List<List<Member>> writeQuorums(int partition) {
        if (change == null) {
            return List.of(owners.owners(partition));
        }
        List<Member> pending = change.pending().owners(partition);
        if (!change.phase().writesBoth() || Set.copyOf(pending).equals(Set.copyOf(owners.owners(partition)))) {
            return List.of(pending);
        }
        return List.of(owners.owners(partition), pending);
    }

    private List<Move> movesOf(MemberChange running) {
        List<Move> result = new ArrayList<>();
        for (int partition = 0; partition < partitions; partition++) {
            List<String> before = ids(owners.owners(partition));
            List<String> after = ids(running.pending().owners(partition));
            if (running.kind() == MemberChange.Kind.REPLACE) {
                if (after.contains(running.memberId())) {
                    result.add(new Move(partition, running.memberId(), running.memberId(), running.phase()));
                }
                continue;
            }
            List<String> gone = before.stream().filter(id -> !after.contains(id)).toList();
            List<String> come = after.stream().filter(id -> !before.contains(id)).toList();
            for (int i = 0; i < come.size(); i++) {
                result.add(new Move(partition, i < gone.size() ? gone.get(i) : null, come.get(i), running.phase()));
            }
        }
        return List.copyOf(result);
    }

    private static List<String> ids(List<Member> members) {
        return members.stream().map(Member::id).toList();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Topology that && epoch == that.epoch && partitions == that.partitions
                && replicas == that.replicas && members.equals(that.members) && retiredHostIds.equals(that.retiredHostIds)
                && Objects.equals(owners, that.owners) && Objects.equals(change, that.change);
    }

    @Override
    public int hashCode() {
        return Objects.hash(epoch, members, change);
    }

    @Override
    public String toString() {
        return "Topology[epoch=" + epoch + ", members=" + members + (change == null ? "" : ", change=" + change) + "]";
    }
}
