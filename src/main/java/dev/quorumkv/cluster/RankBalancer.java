package dev.quorumkv.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reorders the owners within each partition, never changing who owns it, so that every member holds about the
 * same number of places at every rank. Moving only a leaver's places cannot keep ranks even by itself: with six
 * members striped three to a partition, the partitions where node1 is primary all have node2 and node3 as their
 * other owners, so its primaries can only go to node4..node6. Reordering moves no data, so it is free.
 *
 * <p>It is de Werra's equitable edge colouring of the bipartite graph partitions x members, with ranks as the
 * colours: while some member holds two ranks a and b unevenly (by two or more), the pair is balanced for every
 * member at once. Each partition is an edge between its owners at a and at b; orienting every edge along closed
 * walks (after joining odd-degree members to a dummy) gives each member as many a-places as b-places, give or take
 * one. Each such step lowers the sum of squares of the counts, so it ends; it is deterministic (members by id,
 * partitions in order), as the topology log needs every node to compute the same map.
 */
final class RankBalancer {

    private RankBalancer() {
    }

    static void balance(Member[][] owners) {
        int ranks = owners[0].length;
        List<Member> members = Arrays.stream(owners).flatMap(Arrays::stream).distinct()
                .sorted(Comparator.comparing(Member::id)).toList();
        Map<Member, Integer> index = new HashMap<>();
        members.forEach(member -> index.put(member, index.size()));
        int[][] held = new int[members.size()][ranks];
        for (Member[] partitionOwners : owners) {
            for (int rank = 0; rank < ranks; rank++) {
                held[index.get(partitionOwners[rank])][rank]++;
            }
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int a = 0; a < ranks; a++) {
                for (int b = a + 1; b < ranks; b++) {
                    if (unevenPair(held, a, b)) {
                        balancePair(owners, a, b, members, index, held);
                        changed = true;
                    }
                }
            }
        }
    }

    private static boolean unevenPair(int[][] held, int a, int b) {
        return Arrays.stream(held).anyMatch(counts -> Math.abs(counts[a] - counts[b]) >= 2);
    }

    /** Gives every member as many places at rank a as at rank b, give or take one, by orienting the pair's edges. */
    private static void balancePair(Member[][] owners, int a, int b, List<Member> members, Map<Member, Integer> index, int[][] held) {
        int dummy = members.size();
        List<int[]> edges = new ArrayList<>(); // {one end, other end, partition or -1 for a dummy edge}
        List<List<Integer>> incident = new ArrayList<>();
        for (int vertex = 0; vertex <= dummy; vertex++) {
            incident.add(new ArrayList<>());
        }
        for (int partition = 0; partition < owners.length; partition++) {
            addEdge(edges, incident, index.get(owners[partition][a]), index.get(owners[partition][b]), partition);
        }
        for (int vertex = 0; vertex < dummy; vertex++) {
            if (incident.get(vertex).size() % 2 == 1) {
                addEdge(edges, incident, vertex, dummy, -1);
            }
        }
        boolean[] used = new boolean[edges.size()];
        int[] nextIncident = new int[dummy + 1];
        for (int start = 0; start <= dummy; start++) {
            // Every degree is even, so a walk along unused edges can only stop where it started: a closed walk,
            // which enters each vertex as often as it leaves it.
            int at = start;
            while (true) {
                List<Integer> here = incident.get(at);
                while (nextIncident[at] < here.size() && used[here.get(nextIncident[at])]) {
                    nextIncident[at]++;
                }
                if (nextIncident[at] == here.size()) {
                    break;
                }
                int edgeId = here.get(nextIncident[at]);
                used[edgeId] = true;
                int[] edge = edges.get(edgeId);
                int to = edge[0] == at ? edge[1] : edge[0];
                if (edge[2] >= 0) { // leaving "at" along the edge: "at" takes rank a in that partition, "to" rank b
                    place(owners[edge[2]], a, members.get(at), index, held);
                    place(owners[edge[2]], b, members.get(to), index, held);
                }
                at = to;
            }
        }
    }

    private static void addEdge(List<int[]> edges, List<List<Integer>> incident, int one, int other, int partition) {
        incident.get(one).add(edges.size());
        incident.get(other).add(edges.size());
        edges.add(new int[] {one, other, partition});
    }

    private static void place(Member[] partitionOwners, int rank, Member member, Map<Member, Integer> index, int[][] held) {
        held[index.get(partitionOwners[rank])][rank]--;
        partitionOwners[rank] = member;
        held[index.get(member)][rank]++;
    }
}
