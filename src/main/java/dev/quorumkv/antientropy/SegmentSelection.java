package dev.quorumkv.antientropy;

import java.util.BitSet;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/** The segments whose keys two replicas list for each other: per partition, a set of segment numbers. */
public record SegmentSelection(SortedMap<Integer, BitSet> segmentsByPartition) {

    public SegmentSelection {
        segmentsByPartition = Collections.unmodifiableSortedMap(new TreeMap<>(segmentsByPartition));
    }

    public boolean contains(int partition, int segment) {
        BitSet segments = segmentsByPartition.get(partition);
        return segments != null && segments.get(segment);
    }

    public boolean isEmpty() {
        return segmentsByPartition.isEmpty();
    }

    /** How many segments a partition has: the same on every node, so a peer can check what it is asked for. */
    public static int segmentsPerPartition() {
        return TreeHashes.SEGMENTS;
    }
}
