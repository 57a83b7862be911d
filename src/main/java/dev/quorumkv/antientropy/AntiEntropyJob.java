package dev.quorumkv.antientropy;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;

import dev.quorumkv.time.TimeSource;
import dev.quorumkv.time.TimeSource.Scheduled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs a round, then a tombstone purge, every {@code interval} after the last one ended, on a thread of its own
 * (a round blocks on its exchanges; neither the scheduler's thread nor a request's may). {@link #repairSoon}
 * runs the same at once on that thread; one at a time either way.
 */
public class AntiEntropyJob implements SmartLifecycle, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AntiEntropyJob.class);

    private final AntiEntropyRound round;
    private final TombstonePurger purger;
    private final ReadFence readFence;
    private final TimeSource time;
    private final Duration interval;
    private final Executor worker;
    private volatile Scheduled next;
    private volatile boolean roundRunning;
    private volatile RoundResult lastRound;

    /** @param worker where scheduled rounds run: one thread of the job's own; closed with the job if it is an executor service */
    AntiEntropyJob(AntiEntropyRound round, TombstonePurger purger, ReadFence readFence, TimeSource time, Duration interval,
            Executor worker) {
        this.round = round;
        this.purger = purger;
        this.readFence = readFence;
        this.time = time;
        this.interval = interval;
        this.worker = worker;
    }

    /** One round with every peer, then a purge of what it made purgeable; a complete round opens the read fence. */
    synchronized RoundResult repairNow() {
        roundRunning = true;
        RoundResult result;
        try {
            result = round.run();
        }
        finally {
            roundRunning = false;
        }
        lastRound = result;
        if (result.complete()) {
            readFence.open();
        }
        int purged = purger.purge();
        if (purged > 0) {
            log.info("Purged {} tombstones past gc-grace", purged);
        }
        return result;
    }

    /** {@link #repairNow} on the job's thread, after a round already running there. */
    public CompletableFuture<RoundResult> repairSoon() {
        return CompletableFuture.supplyAsync(this::repairNow, worker);
    }

    boolean isRoundRunning() {
        return roundRunning;
    }

    Optional<RoundResult> lastRound() {
        return Optional.ofNullable(lastRound);
    }

    @Override
    public synchronized void start() {
        if (next == null) {
            next = time.schedule(interval, this::runInBackground);
        }
    }

    @Override
    public synchronized void stop() {
        if (next != null) {
            next.cancel();
            next = null;
        }
    }

    /** A round still running is left to end by its own deadlines; its thread does not keep the JVM up. */
    @Override
    public void close() {
        if (worker instanceof ExecutorService service) {
            service.shutdown();
        }
    }

    @Override
    public boolean isRunning() {
        return next != null;
    }

    private void runInBackground() {
        worker.execute(() -> {
            try {
                repairNow();
            }
            catch (RuntimeException ex) {
                log.warn("Anti-entropy round failed", ex);
            }
            finally {
                synchronized (this) {
                    if (next != null) {
                        next = time.schedule(interval, this::runInBackground);
                    }
                }
            }
        });
    }
}
