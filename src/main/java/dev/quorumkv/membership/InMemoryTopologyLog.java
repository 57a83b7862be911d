package dev.quorumkv.membership;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The topology log of a single process: changes commit as they are submitted, one at a time under this object's
 * lock. For tests, and for a single-node store, which has no one to agree with. It can start from a snapshot, as a
 * node restarting does.
 */
public final class InMemoryTopologyLog implements TopologyLog {

    private final List<Consumer<Topology>> listeners = new CopyOnWriteArrayList<>();
    private Topology current;
    private boolean closed;

    public InMemoryTopologyLog() {
        this(Topology.empty());
    }

    public InMemoryTopologyLog(Topology snapshot) {
        this.current = snapshot;
    }

    @Override
    public synchronized Topology current() {
        return current;
    }

    @Override
    public synchronized CompletableFuture<Topology> submit(TopologyChange change) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the topology log is closed"));
        }
        Topology next;
        try {
            next = change.apply(current);
        }
        catch (TopologyChangeRefusedException refusal) {
            return CompletableFuture.failedFuture(refusal);
        }
        current = next;
        listeners.forEach(listener -> listener.accept(next)); // under the lock: listeners see commits in epoch order
        return CompletableFuture.completedFuture(next);
    }

    @Override
    public void onCommit(Consumer<Topology> listener) {
        listeners.add(listener);
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
