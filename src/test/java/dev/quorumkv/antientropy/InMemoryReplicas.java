package dev.quorumkv.antientropy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;
import dev.quorumkv.coordinator.GcGrace;
import dev.quorumkv.coordinator.ReplicaClient;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.time.ManualTimeSource;
import dev.quorumkv.version.Version;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Nodes in memory, each a store with its hash trees and anti-entropy job, reaching each other through
 * in-memory ports that a test can cut ({@link #down}). Time is a {@link ManualTimeSource}.
 */
final class InMemoryReplicas {

    static final int PARTITIONS = 16;
    static final Duration GC_GRACE = Duration.ofDays(10);

    final ManualTimeSource time = new ManualTimeSource();
    final List<Member> members = new ArrayList<>();
    final PartitionMap partitions;
    private final Map<Member, Node> nodes = new LinkedHashMap<>();
    private final Set<Member> down = new HashSet<>();
    private final Set<Member> refusingReads = new HashSet<>();

    /** A node of this fixture: its store and everything anti-entropy keeps beside it. */
    final class Node {

        final Member member;
        final InMemoryStore store = new InMemoryStore();
        final HashTrees trees;
        final AntiEntropyReplica replica;
        final RepairHistory history = new RepairHistory(PARTITIONS);
        final MeterRegistry registry = new SimpleMeterRegistry();
        /** The node's view of the members: a test may give it a newer placement. */
        final Cluster cluster;
        final AntiEntropyRound round;
        final TombstonePurger purger;
        final Exchange exchange;

        Node(Member member, int maxKeysPerExchange) {
            this.member = member;
            this.trees = HashTrees.of(store, partitions);
            this.replica = new AntiEntropyReplica(trees, store, store);
            GcGrace gcGrace = new GcGrace(GC_GRACE, time);
            this.exchange = new Exchange(member, replica, antiEntropyClient(), replicaClient(), gcGrace, time,
                    Duration.ofSeconds(1), maxKeysPerExchange);
            this.cluster = new Cluster(member, members, partitions);
            this.round = new AntiEntropyRound(cluster, exchange, history, time, registry);
            this.purger = new TombstonePurger(store, trees, history, gcGrace, registry);
        }

        void put(String key, long wallMillis, String value) {
            store.putIfNewer(key, Versioned.value(new Version(wallMillis, 0, "c"), "text/plain", value.getBytes()));
        }

        void delete(String key, long wallMillis) {
            store.putIfNewer(key, Versioned.tombstone(new Version(wallMillis, 0, "c")));
        }

        Optional<Versioned> get(String key) {
            return store.get(key);
        }

        double counter(String name, String... tags) {
            var counter = registry.find(name).tags(tags).counter();
            return counter == null ? 0 : counter.count();
        }
    }

    /** {@code count} nodes, each owning every partition (N = count). */
    InMemoryReplicas(int count, int maxKeysPerExchange) {
        for (int i = 1; i <= count; i++) {
            members.add(new Member("n" + i, URI.create("http://n" + i)));
        }
        partitions = PartitionMap.striped(members, PARTITIONS, count);
        for (Member member : members) {
            nodes.put(member, new Node(member, maxKeysPerExchange));
        }
    }

    Node node(int number) {
        return nodes.get(members.get(number - 1));
    }

    void down(int number) {
        down.add(members.get(number - 1));
    }

    void up(int number) {
        down.remove(members.get(number - 1));
    }

    /** The node's replica refuses reads, as one behind a closed {@link ReadFence} does. */
    void refuseReads(int number) {
        refusingReads.add(members.get(number - 1));
    }

    private <T> CompletableFuture<T> call(Member member, Supplier<T> call) {
        if (down.contains(member)) {
            return CompletableFuture.failedFuture(new IllegalStateException(member.id() + " is down"));
        }
        return CompletableFuture.completedFuture(call.get());
    }

    private ReplicaClient replicaClient() {
        return new ReplicaClient() {
            @Override
            public CompletableFuture<Version> write(Member replica, String key, Versioned value) {
                return call(replica, () -> {
                    InMemoryStore store = nodes.get(replica).store;
                    store.putIfNewer(key, value);
                    return store.get(key).orElseThrow().version();
                });
            }

            @Override
            public CompletableFuture<Optional<Versioned>> read(Member replica, String key) {
                if (refusingReads.contains(replica)) {
                    return CompletableFuture.failedFuture(new IllegalStateException(replica.id() + " refuses reads"));
                }
                return call(replica, () -> nodes.get(replica).store.get(key));
            }

            @Override
            public CompletableFuture<Void> probe(Member replica) {
                return call(replica, () -> null);
            }
        };
    }

    private AntiEntropyClient antiEntropyClient() {
        return new AntiEntropyClient() {
            @Override
            public CompletableFuture<long[]> roots(Member peer) {
                return call(peer, () -> nodes.get(peer).replica.roots());
            }

            @Override
            public CompletableFuture<long[]> segments(Member peer, int partition) {
                return call(peer, () -> nodes.get(peer).replica.segments(partition));
            }

            @Override
            public CompletableFuture<StampPage> stamps(Member peer, SegmentSelection selection, String after) {
                return call(peer, () -> nodes.get(peer).replica.stamps(selection, after));
            }
        };
    }
}
