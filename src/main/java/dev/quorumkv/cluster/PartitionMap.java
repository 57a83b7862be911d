package dev.quorumkv.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where keys live: the key space is cut into a fixed number of partitions (a power of two; a key's partition
 * is the top bits of its {@link KeyHash}), and each partition has the same number of owners, its replicas, primary first.
 * Owners are spread evenly: every member is owner at each rank of the same number of partitions, give or take
 * one. Hints, hash trees and membership moves all work per partition. Immutable and safe to share.
 */
public final class PartitionMap {

    private final int partitionBits;
    private final Member[][] owners;

    private PartitionMap(int partitionBits, Member[][] owners) {
        this.partitionBits = partitionBits;
        this.owners = owners;
    }

    /**
     * The first assignment of a cluster: partition {@code p}'s owners are the members (sorted by id, so every
     * node computes the same map whatever order its configuration lists them in) at {@code p}, {@code p+1}, ...
     * around the list, which gives every member the same share at every rank.
     */
    public static PartitionMap striped(List<Member> members, int partitions, int replicas) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a partition map needs at least one member");
        }
        if (partitions < 1 || Integer.bitCount(partitions) != 1) {
            throw new IllegalArgumentException("the number of partitions must be a power of two, not " + partitions);
        }
        List<Member> sorted = new ArrayList<>(members);
        sorted.sort(Comparator.comparing(Member::id));
        int ownerCount = Math.min(replicas, sorted.size());
        Member[][] owners = new Member[partitions][ownerCount];
        for (int partition = 0; partition < partitions; partition++) {
            for (int rank = 0; rank < ownerCount; rank++) {
                owners[partition][rank] = sorted.get((partition + rank) % sorted.size());
            }
        }
        return new PartitionMap(Integer.numberOfTrailingZeros(partitions), owners);
    }

    /**
     * A map with these owners, partition by partition, primary first: how a map decoded from the topology log is
     * rebuilt. Every partition needs the same number of distinct owners, and there must be a power of two of them.
     */
    public static PartitionMap ofOwners(List<List<Member>> owners) {
        if (owners.isEmpty() || Integer.bitCount(owners.size()) != 1) {
            throw new IllegalArgumentException("the number of partitions must be a power of two, not " + owners.size());
        }
        int ownerCount = owners.get(0).size();
        Member[][] array = new Member[owners.size()][];
        for (int partition = 0; partition < owners.size(); partition++) {
            List<Member> these = owners.get(partition);
            if (these.isEmpty() || these.size() != ownerCount || these.stream().distinct().count() != ownerCount) {
                throw new IllegalArgumentException("partition " + partition + " must have " + ownerCount
                        + " distinct owners, not " + these);
            }
            array[partition] = these.toArray(Member[]::new);
        }
        return new PartitionMap(Integer.numberOfTrailingZeros(owners.size()), array);
    }

    /**
     * This map with one more member, moving as few owner places as keep the spread even: at each rank the new
     * member takes its fair share of partitions, each from the member holding the most places at that rank,
     * and only in partitions it does not already own. Nothing moves between the old members. In a cluster
     * smaller than the replica count every member owns every partition, so the new one becomes one more owner
     * everywhere, and the ranks are striped afresh to stay even (which moves no data: the owners stay the same).
     */
    public PartitionMap withMemberAdded(Member added, int replicas) {
        List<Member> before = members();
        if (before.contains(added)) {
            throw new IllegalArgumentException(added + " already owns partitions");
        }
        int memberCount = before.size() + 1;
        int ownerCount = Math.min(replicas, memberCount);
        if (ownerCount == memberCount) {
            List<Member> all = new ArrayList<>(before);
            all.add(added);
            return striped(all, owners.length, replicas);
        }
        Member[][] next = copyOfOwners();
        for (int rank = 0; rank < ownerCount; rank++) {
            int share = owners.length / memberCount + (rank < owners.length % memberCount ? 1 : 0);
            for (int taken = 0; taken < share; taken++) {
                takeOnePlace(next, rank, added);
            }
        }
        RankBalancer.balance(next); // a no-op when the map was even: then taking from the fullest keeps it even
        return new PartitionMap(partitionBits, next);
    }

    /**
     * This map without {@code leaving}, moving only its places: each partition it owned gains one owner in its
     * place, the member holding the fewest places (ties to the smaller id) among those not owning the partition
     * yet, and nothing moves between the members that stay. Then every member holds its share of places, give or
     * take one, and {@link RankBalancer} reorders owners within partitions (moving no data) so that it holds its
     * share at every rank too. When so few stay that each owns every partition, there is nothing to choose.
     */
    public PartitionMap withMemberRemoved(Member leaving, int replicas) {
        List<Member> staying = new ArrayList<>(members());
        if (!staying.remove(leaving)) {
            throw new IllegalArgumentException(leaving + " owns no partition");
        }
        if (staying.isEmpty()) {
            throw new IllegalArgumentException("the last member cannot leave: a partition map needs at least one member");
        }
        if (Math.min(replicas, staying.size()) == staying.size()) {
            return striped(staying, owners.length, replicas);
        }
        staying.sort(Comparator.comparing(Member::id));
        Member[][] next = copyOfOwners();
        Map<Member, Integer> placesHeld = new HashMap<>();
        staying.forEach(member -> placesHeld.put(member, 0));
        Arrays.stream(next).flatMap(Arrays::stream).forEach(owner -> placesHeld.computeIfPresent(owner, (member, held) -> held + 1));
        List<int[]> inherited = new ArrayList<>(); // {partition, rank} of each place the leaver had
        for (int partition = 0; partition < next.length; partition++) {
            int rank = Arrays.asList(next[partition]).indexOf(leaving);
            if (rank >= 0) {
                List<Member> taken = Arrays.asList(next[partition]);
                // staying is in id order and min keeps the first of equals: ties go to the smaller id.
                Member heir = staying.stream().filter(member -> !taken.contains(member))
                        .min(Comparator.comparing(placesHeld::get)).orElseThrow();
                next[partition][rank] = heir;
                placesHeld.merge(heir, 1, Integer::sum);
                inherited.add(new int[] {partition, rank});
            }
        }
        while (passOnePlace(next, inherited, staying, placesHeld)) {
            // each pass narrows the spread of places held by one
        }
        RankBalancer.balance(next);
        return new PartitionMap(partitionBits, next);
    }

    /**
     * The greedy choice of heirs can leave a member with two places more than another, when the one with fewest
     * already owns the partitions left to share. This passes one inherited place from the member holding most
     * down a chain of inherited places (each to a member not owning that partition) to a member holding at least
     * two fewer, the shortest such chain, found breadth first; false when the spread is even or no chain exists.
     */
    private static boolean passOnePlace(Member[][] owners, List<int[]> inherited, List<Member> staying, Map<Member, Integer> placesHeld) {
        Member richest = staying.stream().max(Comparator.comparing(placesHeld::get)).orElseThrow();
        Map<Member, int[]> reachedBy = new HashMap<>(); // member -> the inherited place it would take
        Map<Member, Member> reachedFrom = new HashMap<>();
        List<Member> queue = new ArrayList<>(List.of(richest));
        reachedFrom.put(richest, richest);
        for (int head = 0; head < queue.size(); head++) {
            Member giver = queue.get(head);
            for (int[] place : inherited) {
                if (!owners[place[0]][place[1]].equals(giver)) {
                    continue;
                }
                List<Member> taken = Arrays.asList(owners[place[0]]);
                for (Member taker : staying) {
                    if (reachedFrom.containsKey(taker) || taken.contains(taker)) {
                        continue;
                    }
                    reachedFrom.put(taker, giver);
                    reachedBy.put(taker, place);
                    if (placesHeld.get(taker) <= placesHeld.get(richest) - 2) {
                        for (Member at = taker; !at.equals(richest); at = reachedFrom.get(at)) {
                            int[] passed = reachedBy.get(at);
                            owners[passed[0]][passed[1]] = at;
                        }
                        placesHeld.merge(richest, -1, Integer::sum);
                        placesHeld.merge(taker, 1, Integer::sum);
                        return true;
                    }
                    queue.add(taker);
                }
            }
        }
        return false;
    }

    /** This map with {@code replacement} in every place of {@code replaced}: a member's new host, perhaps at a new url. */
    public PartitionMap withMemberReplaced(Member replaced, Member replacement) {
        Member[][] next = copyOfOwners();
        for (Member[] partitionOwners : next) {
            for (int rank = 0; rank < partitionOwners.length; rank++) {
                if (partitionOwners[rank].equals(replaced)) {
                    partitionOwners[rank] = replacement;
                }
            }
        }
        return ofOwners(Arrays.stream(next).map(List::of).toList());
    }

    private Member[][] copyOfOwners() {
        Member[][] copy = new Member[owners.length][];
        for (int partition = 0; partition < owners.length; partition++) {
            copy[partition] = owners[partition].clone();
        }
        return copy;
    }

    /**
     * Moves one owner place at {@code rank} to {@code added}: from the member holding most places at that rank
     * (ties to the smaller id) among those with a place in a partition {@code added} does not own yet.
     */
    private static void takeOnePlace(Member[][] owners, int rank, Member added) {
        Map<Member, Integer> placesHeld = new HashMap<>();
        Map<Member, List<Integer>> placesFree = new TreeMap<>(Comparator.comparing(Member::id));
        for (int partition = 0; partition < owners.length; partition++) {
            Member owner = owners[partition][rank];
            placesHeld.merge(owner, 1, Integer::sum);
            if (!Arrays.asList(owners[partition]).contains(added)) {
                placesFree.computeIfAbsent(owner, member -> new ArrayList<>()).add(partition);
            }
        }
        // The candidates come in id order and the earlier of equals is kept: ties go to the smaller id.
        Member donor = placesFree.keySet().stream().reduce((best, next) -> placesHeld.get(next) > placesHeld.get(best) ? next : best)
                .orElseThrow();
        List<Integer> donorPlaces = placesFree.get(donor);
        // Take from the middle of the donor's list, not its start, so the partitions taken spread over the key space.
        owners[donorPlaces.get(donorPlaces.size() / 2)][rank] = added;
    }

    public int partitions() {
        return owners.length;
    }

    /** The partition of a key: the top bits of its {@link KeyHash}, which spreads keys evenly over partitions. */
    public int partitionOf(String key) {
        return partitionOfHash(KeyHash.of(key));
    }

    /** As {@link #partitionOf(String)}, for a caller that has the key's hash already. */
    public int partitionOfHash(long keyHash) {
        return partitionBits == 0 ? 0 : (int) (keyHash >>> (Long.SIZE - partitionBits));
    }

    /** The partition's owners, primary first. */
    public List<Member> owners(int partition) {
        return List.of(owners[partition]);
    }

    /** The first {@code n} owners of the key's partition, primary first. */
    public List<Member> preferenceList(String key, int n) {
        Member[] all = owners[partitionOf(key)];
        return List.of(Arrays.copyOf(all, Math.min(n, all.length)));
    }

    /** Every partition's owners, primary first: what the topology log encodes. */
    public List<List<Member>> allOwners() {
        return Arrays.stream(owners).map(List::of).toList();
    }

    /** Every member that owns at least one partition. */
    public List<Member> members() {
        return Arrays.stream(owners).flatMap(Arrays::stream).distinct().toList();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PartitionMap that && Arrays.deepEquals(owners, that.owners);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(owners);
    }
}
