package dev.quorumkv.handoff;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.storage.HintStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The hinted-handoff meters of DESIGN.md ("More metrics"), registered once; the pending gauge per peer follows the
 * membership ({@link #follow}): registered when a peer joins, removed when it leaves.
 */
final class HintMetrics {

    /** Why a hint was not kept or not delivered: the {@code reason} tag of {@code quorumkv.hints.dropped}. */
    enum DropReason {
        /** Its target had been down longer than the window. */
        WINDOW,
        /** Its target's hints already took the byte limit. */
        FULL,
        /** It was older than the window when its turn came to be delivered. */
        EXPIRED,
        /**
         * Its target no longer owns the key's partition nor is about to (a change of members moved the partition, or
         * the target left): the owners have the write from the coordinator or from the change's streaming.
         */
        MOVED
    }

    private final Counter stored;
    private final Counter delivered;
    private final Counter[] dropped = new Counter[DropReason.values().length];
    private final MeterRegistry registry;
    private final HintStore hints;
    private final Map<String, Gauge> pending = new ConcurrentHashMap<>();

    HintMetrics(MeterRegistry registry, Iterable<Member> peers, HintStore hints) {
        this.stored = Counter.builder("quorumkv.hints.stored").description("Writes kept as hints for a replica that missed them")
                .register(registry);
        this.delivered = Counter.builder("quorumkv.hints.delivered").description("Hints their replica acknowledged")
                .register(registry);
        for (DropReason reason : DropReason.values()) {
            dropped[reason.ordinal()] = Counter.builder("quorumkv.hints.dropped").description("Hints not kept or not delivered")
                    .tag("reason", reason.name().toLowerCase()).register(registry);
        }
        this.registry = registry;
        this.hints = hints;
        track(peers);
    }

    /** A pending gauge for each peer of every placement of {@code cluster}, from the current one on. */
    void follow(Cluster cluster) {
        cluster.follow(placement -> track(cluster.peersIn(placement)));
    }

    /** A pending gauge for exactly these peers from now on. */
    synchronized void track(Iterable<Member> peers) {
        Set<String> ids = new HashSet<>();
        for (Member peer : peers) {
            ids.add(peer.id());
            pending.computeIfAbsent(peer.id(), id -> Gauge.builder("quorumkv.hints.pending", hints, store -> store.count(id))
                    .description("Hints held").tag("peer", id).register(registry));
        }
        pending.keySet().stream().filter(id -> !ids.contains(id)).toList().forEach(gone -> registry.remove(pending.remove(gone)));
    }

    void stored() {
        stored.increment();
    }

    void delivered() {
        delivered.increment();
    }

    void dropped(DropReason reason) {
        dropped[reason.ordinal()].increment();
    }
}
