package dev.quorumkv.antientropy;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;

import dev.quorumkv.time.PeriodicTask;
import dev.quorumkv.time.TimeSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a round, then a tombstone purge, every {@code interval} after the last one ended, on a thread of its own
 * (a round blocks on its exchanges; neither the scheduler's thread nor a request's may). {@link #repairSoon}
 * runs the same at once on that thread; one at a time either way.
 */
public class AntiEntropyJob extends PeriodicTask implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AntiEntropyJob.class);

    private final AntiEntropyRound round;
    private final TombstonePurger purger;
    private final ReadFence readFence;
    private final Executor worker;
    private volatile boolean roundRunning;
    private volatile RoundResult lastRound;

    /** @param worker where scheduled rounds run: one thread of the job's own; closed with the job if it is an executor service */
    AntiEntropyJob(AntiEntropyRound round, TombstonePurger purger, ReadFence readFence, TimeSource time, Duration interval,
            Executor worker) {
        super(time, interval);
        this.round = round;
        this.purger = purger;
        this.readFence = readFence;
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

    /** A round still running is left to end by its own deadlines; its thread does not keep the JVM up. */
    @Override
    public void close() {
        if (worker instanceof ExecutorService service) {
            service.shutdown();
        }
    }

    /** On the job's thread: a round blocks on its exchanges, which the scheduler's thread must not. */
    @Override
    protected CompletionStage<?> runOnce() {
        return CompletableFuture.runAsync(this::repairNow, worker);
    }
}
