package dev.quorumkv.coordinator;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;

/** Records the writes the coordinator reports missed; while held, keeping them does not complete until released. */
final class KeptMisses implements MissedWrites {

    record Miss(String replica, String key, Version version) {
    }

    private final List<Miss> misses = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    private volatile boolean held;

    @Override
    public CompletableFuture<Void> missed(Member replica, String key, Versioned value) {
        misses.add(new Miss(replica.id(), key, value.version()));
        return held ? released : CompletableFuture.completedFuture(null);
    }

    List<Miss> misses() {
        return misses;
    }

    void hold() {
        held = true;
    }

    void release() {
        released.complete(null);
    }
}
