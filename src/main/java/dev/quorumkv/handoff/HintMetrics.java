package dev.quorumkv.handoff;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.storage.HintStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The hinted-handoff meters of DESIGN.md ("More metrics"), registered once. */
final class HintMetrics {

    /** Why a hint was not kept or not delivered: the {@code reason} tag of {@code quorumkv.hints.dropped}. */
    enum DropReason {
        /** Its target had been down longer than the window. */
        WINDOW,
        /** Its target's hints already took the byte limit. */
        FULL,
        /** It was older than the window when its turn came to be delivered. */
        EXPIRED
    }

    private final Counter stored;
    private final Counter delivered;
    private final Counter[] dropped = new Counter[DropReason.values().length];

    HintMetrics(MeterRegistry registry, Iterable<Member> peers, HintStore hints) {
        this.stored = Counter.builder("quorumkv.hints.stored").description("Writes kept as hints for a replica that missed them")
                .register(registry);
        this.delivered = Counter.builder("quorumkv.hints.delivered").description("Hints their replica acknowledged")
                .register(registry);
        for (DropReason reason : DropReason.values()) {
            dropped[reason.ordinal()] = Counter.builder("quorumkv.hints.dropped").description("Hints not kept or not delivered")
                    .tag("reason", reason.name().toLowerCase()).register(registry);
        }
        for (Member peer : peers) {
            Gauge.builder("quorumkv.hints.pending", hints, store -> store.count(peer.id())).description("Hints held")
                    .tag("peer", peer.id()).register(registry);
        }
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
