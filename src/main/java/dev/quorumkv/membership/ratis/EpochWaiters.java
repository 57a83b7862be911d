package dev.quorumkv.membership.ratis;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import dev.quorumkv.membership.Topology;

/**
 * Submits waiting for this member to apply an epoch (a compare-and-set refused as stale named a newer one): each
 * completes with the first topology applied at that epoch or later, from {@link #applied}; {@link #failAll} on close.
 */
final class EpochWaiters {

    private final Map<CompletableFuture<Topology>, Long> waiting = new ConcurrentHashMap<>();

    /**
     * Completes once {@code current} is at {@code epoch} or later: at once if it is, else from {@link #applied}. The
     * waiter is registered before {@code current} is read, so a topology applied meanwhile is not missed.
     */
    CompletableFuture<Topology> await(long epoch, Supplier<Topology> current) {
        CompletableFuture<Topology> waiter = new CompletableFuture<>();
        waiting.put(waiter, epoch);
        waiter.whenComplete((topology, failure) -> waiting.remove(waiter));
        Topology now = current.get();
        if (now.epoch() >= epoch) {
            waiter.complete(now);
        }
        return waiter;
    }

    /** A newer topology was applied: completes the waiters it satisfies (their next stages run on this thread). */
    void applied(Topology topology) {
        waiting.forEach((waiter, epoch) -> {
            if (topology.epoch() >= epoch) {
                waiter.complete(topology);
            }
        });
    }

    void failAll(RuntimeException cause) {
        waiting.keySet().forEach(waiter -> waiter.completeExceptionally(cause));
    }

    int size() {
        return waiting.size();
    }
}
