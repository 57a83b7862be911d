package dev.quorumkv.handoff;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that stores, scans and removes hints. Not the caller's: a hint is kept when a replica call
 * ends, on a network or timer thread that must not wait for a disk, and delivery is started by the
 * scheduler, whose tasks must be short. One thread also keeps the hint store's changes in order.
 */
final class HintsThread implements Executor, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HintsThread.class);

    /** Long enough for the hints queued at shutdown to reach the store; a hint not kept then is a missed write anti-entropy repairs. */
    private static final Duration DRAIN = Duration.ofSeconds(5);

    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
        Thread hints = new Thread(runnable, "quorumkv-hints");
        hints.setDaemon(true);
        return hints;
    });

    @Override
    public void execute(Runnable task) {
        thread.execute(task);
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(DRAIN.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Hints still queued after {} at shutdown are not kept", DRAIN);
                thread.shutdownNow();
            }
        }
        catch (InterruptedException ex) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
