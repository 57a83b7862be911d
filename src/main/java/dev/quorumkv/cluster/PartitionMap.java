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
     * This map with one more member, moving as few owner places as keep the spread even: at each rank the new
     * member takes its fair share of partitions, each from the member holding the most places at that rank,
     * and only in partitions it does not already own. Nothing moves between the old members.
     */
    public PartitionMap withMemberAdded(Member added, int replicas) {
        int memberCount = members().size() + 1;
        int ownerCount = Math.min(replicas, memberCount);
        Member[][] next = new Member[owners.length][];
        for (int partition = 0; partition < owners.length; partition++) {
            next[partition] = Arrays.copyOf(owners[partition], ownerCount);
            if (ownerCount > owners[partition].length) {
                next[partition][ownerCount - 1] = added; // the cluster had fewer members than replicas: the new one is one more owner everywhere
            }
        }
        for (int rank = 0; rank < ownerCount && ownerCount == owners[0].length; rank++) {
            int share = owners.length / memberCount + (rank < owners.length % memberCount ? 1 : 0);
            for (int taken = 0; taken < share; taken++) {
                takeOnePlace(next, rank, added);
            }
        }
        return new PartitionMap(partitionBits, next);
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

    /** Every member that owns at least one partition. */
    public List<Member> members() {
        return Arrays.stream(owners).flatMap(Arrays::stream).distinct().toList();
    }
}
