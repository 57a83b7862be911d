package dev.quorumkv.membership;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * The replicated log the topology is kept in: the port membership owns, which {@link InMemoryTopologyLog} implements
 * for tests and single-node stores and the Ratis adapter ({@code membership.ratis}) for a cluster. Every node applies
 * the same committed changes in the same order ({@link TopologyChange#apply}), so every node reaches the same
 * topology at each epoch.
 */
public interface TopologyLog extends AutoCloseable {

    /** The newest topology this node has applied: {@link Topology#empty()} before the first. */
    Topology current();

    /**
     * Proposes a change. The future completes with the topology after it once it is committed and applied, or
     * exceptionally with {@link TopologyChangeRefusedException} when it did not apply (nothing changed then), or
     * with another exception when the log could not commit it (its outcome is then unknown: read {@link #current()}).
     */
    CompletableFuture<Topology> submit(TopologyChange change);

    /**
     * Forms the cluster with {@code bootstrap} unless it is formed already: completes with the topology formed, by this
     * node or another (whose bootstrap, committed first, stands), so every first member may call it at every start.
     */
    default CompletableFuture<Topology> bootstrapIfEmpty(Bootstrap bootstrap) {
        if (!current().isEmpty()) {
            return CompletableFuture.completedFuture(current());
        }
        return submit(bootstrap).exceptionallyCompose(failure -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof TopologyChangeRefusedException refused && refused.kind() == TopologyChangeRefusedException.Kind.CONFLICT
                    && !current().isEmpty()) {
                return CompletableFuture.completedFuture(current());
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /**
     * Calls {@code listener} with every topology committed from now on, in epoch order, one at a time. It must be
     * quick and must not wait on {@link #submit}: it runs on the thread that applies the log.
     */
    void onCommit(Consumer<Topology> listener);

    /**
     * Whether this node leads the log now, and so drives a running change ({@link ChangeDriver}). Only a hint: the
     * advance is a compare-and-set, so two nodes that both think they lead cannot apply a phase twice.
     */
    default boolean leads() {
        return true;
    }

    /** Stops taking changes; submissions afterwards fail. */
    @Override
    void close();
}
