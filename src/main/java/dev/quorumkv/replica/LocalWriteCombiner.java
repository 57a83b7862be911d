package dev.quorumkv.replica;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;

/**
 * The coordinator's own copies of client writes, combined. A write that finds no other thread writing to
 * the local store is written at once by its own thread; one that arrives while another thread writes
 * joins the next batch that thread writes, and its caller goes on at once with a future. In RocksDB's
 * write group it would instead block its request thread until the group's leader finished (a profile
 * showed RocksDB's writers waiting on each other as a fifth of its write CPU). Each batch is one RocksDB
 * write: one write-ahead-log append, made durable before any of its futures completes.
 */
final class LocalWriteCombiner {

    /** Bounds one batch, so the thread writing it gets back to its own request soon. */
    static final int MAX_BATCH = 256;

    private final LocalReplica replica;
    private final ConcurrentLinkedQueue<Pending> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean writing = new AtomicBoolean();

    LocalWriteCombiner(LocalReplica replica) {
        this.replica = replica;
    }

    CompletableFuture<Version> write(String key, Versioned value) {
        Pending write = new Pending(new KeyedValue(key, value), new CompletableFuture<>());
        waiting.add(write);
        // Whoever finds no writer becomes it. A writer looks again after letting go, so a write that
        // arrived while it was busy is never left waiting without one.
        while (!waiting.isEmpty() && writing.compareAndSet(false, true)) {
            List<Pending> batch = new ArrayList<>();
            List<Version> held = List.of();
            RuntimeException failure = null;
            try {
                Pending next;
                while (batch.size() < MAX_BATCH && (next = waiting.poll()) != null) {
                    batch.add(next);
                }
                if (!batch.isEmpty()) { // empty: another writer took what this thread saw waiting
                    held = replica.writeAll(batch.stream().map(Pending::write).toList());
                }
            }
            catch (RuntimeException ex) {
                failure = ex;
            }
            finally {
                writing.set(false);
            }
            // Completing runs the callers' next steps, so it happens after another thread may write.
            for (int i = 0; i < batch.size(); i++) {
                if (failure == null) {
                    batch.get(i).written().complete(held.get(i));
                }
                else {
                    batch.get(i).written().completeExceptionally(failure);
                }
            }
        }
        return write.written();
    }

    private record Pending(KeyedValue write, CompletableFuture<Version> written) {
    }
}
