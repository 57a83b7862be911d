package dev.quorumkv.antientropy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.GcGrace;
import dev.quorumkv.coordinator.ReplicaClient;
import dev.quorumkv.storage.KeyOrder;
import dev.quorumkv.storage.Stamp;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.time.TimeSource;

/**
 * One exchange between this node and one peer over the partitions both own: compare roots, then the segments
 * of differing partitions, then list the keys of differing segments on both sides, page by page in key order,
 * and copy the newer version of every key whose stamps differ to the side that needs it, through the ordinary
 * newer-wins replica write. Blocks its thread; every call to the peer has a deadline.
 */
class Exchange {

    /** Partitions whose differing segments are listed together: one walk of each store per page for all of them. */
    private static final int PARTITIONS_PER_LISTING = 64;
    /** Copies in flight at once: bounds the memory of values read and not yet written. */
    private static final int COPIES_IN_FLIGHT = 64;

    /**
     * @param keysRepaired copies made; a key copied counts once
     * @param complete     every differing key was copied: no call failed and the cap was not reached
     * @param failure      why not complete; null if complete
     */
    record Outcome(long keysRepaired, boolean complete, String failure) {
    }

    private final Member self;
    private final AntiEntropyReplica local;
    private final AntiEntropyClient peers;
    private final ReplicaClient replicas;
    private final GcGrace gcGrace;
    private final TimeSource time;
    private final Duration timeout;
    private final int maxKeys;

    Exchange(Member self, AntiEntropyReplica local, AntiEntropyClient peers, ReplicaClient replicas, GcGrace gcGrace,
            TimeSource time, Duration timeout, int maxKeys) {
        this.self = self;
        this.local = local;
        this.peers = peers;
        this.replicas = replicas;
        this.gcGrace = gcGrace;
        this.time = time;
        this.timeout = timeout;
        this.maxKeys = maxKeys;
    }

    Outcome run(Member peer, List<Integer> sharedPartitions) {
        Copies copies = new Copies(peer);
        try {
            SortedMap<Integer, BitSet> differing = differingSegments(peer, sharedPartitions);
            for (SegmentSelection listing : listings(differing)) {
                if (!compareKeys(peer, listing, copies)) {
                    return new Outcome(copies.done.get(), false, "stopped at the cap of " + maxKeys + " keys per exchange");
                }
            }
            return new Outcome(copies.done.get(), true, null);
        }
        catch (RuntimeException ex) {
            Throwable cause = ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex;
            return new Outcome(copies.done.get(), false, peer.id() + ": " + cause);
        }
    }

    private SortedMap<Integer, BitSet> differingSegments(Member peer, List<Integer> sharedPartitions) {
        long[] theirRoots = await(peers.roots(peer));
        long[] ourRoots = local.roots();
        if (theirRoots.length != ourRoots.length) {
            throw new IllegalStateException(peer.id() + " has " + theirRoots.length + " partitions, this node " + ourRoots.length);
        }
        SortedMap<Integer, BitSet> differing = new TreeMap<>();
        for (int partition : sharedPartitions) {
            if (theirRoots[partition] == ourRoots[partition]) {
                continue;
            }
            long[] theirs = await(peers.segments(peer, partition));
            long[] ours = local.segments(partition);
            BitSet segments = new BitSet(ours.length);
            for (int segment = 0; segment < ours.length; segment++) {
                if (segment >= theirs.length || theirs[segment] != ours[segment]) {
                    segments.set(segment);
                }
            }
            differing.put(partition, segments);
        }
        return differing;
    }

    private static List<SegmentSelection> listings(SortedMap<Integer, BitSet> differing) {
        List<SegmentSelection> listings = new ArrayList<>();
        SortedMap<Integer, BitSet> listing = new TreeMap<>();
        for (var partition : differing.entrySet()) {
            listing.put(partition.getKey(), partition.getValue());
            if (listing.size() == PARTITIONS_PER_LISTING) {
                listings.add(new SegmentSelection(listing));
                listing = new TreeMap<>();
            }
        }
        if (!listing.isEmpty()) {
            listings.add(new SegmentSelection(listing));
        }
        return listings;
    }

    /**
     * Walks both sides' keys in the selection a page at a time. Each step covers keys up to the earlier of the
     * two pages' last keys, so a key missing on one side is told from one not listed yet.
     *
     * @return false if the cap was reached
     */
    private boolean compareKeys(Member peer, SegmentSelection listing, Copies copies) {
        String after = null;
        while (true) {
            StampPage theirs = await(peers.stamps(peer, listing, after));
            StampPage ours = local.stamps(listing, after);
            String upTo = earlier(theirs.lastKey(), ours.lastKey());
            Map<String, Stamp> theirStamps = upTo(theirs, upTo);
            Map<String, Stamp> ourStamps = upTo(ours, upTo);
            TreeSet<String> keys = new TreeSet<>(KeyOrder.UTF8);
            keys.addAll(theirStamps.keySet());
            keys.addAll(ourStamps.keySet());
            for (String key : keys) {
                if (!copies.reconcile(key, ourStamps.get(key), theirStamps.get(key))) {
                    copies.finish();
                    return false;
                }
            }
            copies.finish();
            if (upTo == null) {
                return true;
            }
            after = upTo;
        }
    }

    /** The earlier of two page ends; null stands for the end of the store. */
    private static String earlier(String a, String b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return KeyOrder.compare(a, b) <= 0 ? a : b;
    }

    private static Map<String, Stamp> upTo(StampPage page, String upTo) {
        Map<String, Stamp> stamps = new HashMap<>();
        for (KeyStamp entry : page.stamps()) {
            if (upTo == null || KeyOrder.compare(entry.key(), upTo) <= 0) {
                stamps.put(entry.key(), entry.stamp());
            }
        }
        return stamps;
    }

    private <T> T await(CompletableFuture<T> call) {
        return time.deadline(call, timeout).join();
    }

    /** The copies of one exchange: started up to {@link #COPIES_IN_FLIGHT} at a time, counted when acknowledged. */
    private final class Copies {

        private final Member peer;
        private final List<CompletableFuture<?>> inFlight = new ArrayList<>();
        private final AtomicLong done = new AtomicLong();
        private long started;

        Copies(Member peer) {
            this.peer = peer;
        }

        /**
         * Copies the newer of the two to the other side, unless they are equal or the newer is a tombstone past
         * gc-grace that the other side lacks.
         *
         * @return false if the cap is reached and nothing more may be copied
         */
        boolean reconcile(String key, Stamp ours, Stamp theirs) {
            if (ours != null && ours.equals(theirs)) {
                return true;
            }
            boolean oursIsNewer = ours != null && ours.isNewerThan(theirs);
            Stamp newer = oursIsNewer ? ours : theirs;
            Stamp older = oursIsNewer ? theirs : ours;
            if (older == null && gcGrace.isPast(newer)) {
                return true;
            }
            if (started == maxKeys) {
                return false;
            }
            started++;
            inFlight.add(copy(key, newer, oursIsNewer ? self : peer, oursIsNewer ? peer : self)
                    .thenAccept(written -> {
                        if (written) {
                            done.incrementAndGet();
                        }
                    }));
            if (inFlight.size() == COPIES_IN_FLIGHT) {
                finish();
            }
            return true;
        }

        /**
         * A tombstone needs no read: its stamp is all of it. A value is read from the side that has it, this
         * node's from its own store.
         *
         * @return whether a version was written (the side that had it may have purged it since)
         */
        private CompletableFuture<Boolean> copy(String key, Stamp newer, Member from, Member to) {
            CompletableFuture<Optional<Versioned>> value = newer.tombstone()
                    ? CompletableFuture.completedFuture(Optional.of(Versioned.tombstone(newer.version())))
                    : from.equals(self) ? CompletableFuture.completedFuture(local.read(key))
                    : time.deadline(replicas.read(from, key), timeout);
            return value.thenCompose(read -> read.isEmpty()
                    ? CompletableFuture.completedFuture(false)
                    : time.deadline(replicas.write(to, key, read.get()), timeout).thenApply(held -> true));
        }

        /** Waits for the copies in flight; a failed one fails the exchange. */
        void finish() {
            List<CompletableFuture<?>> waiting = List.copyOf(inFlight);
            inFlight.clear();
            CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).join();
        }
    }
}
