package dev.quorumkv.time;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.quorumkv.time.TimeSource.Scheduled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A job run every {@code interval} after its last run ended, from start to stop of the application context:
 * the one place that schedules a periodic job, schedules it again, and cancels it. Runs never overlap, and a
 * failed run is logged and followed by the next.
 */
public abstract class PeriodicTask implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PeriodicTask.class);

    private final TimeSource time;
    private final Duration interval;
    private volatile Scheduled next;

    protected PeriodicTask(TimeSource time, Duration interval) {
        this.time = time;
        this.interval = interval;
    }

    /**
     * One run, called on the scheduler's thread, which it must not hold: work that blocks goes to a thread of
     * its own, and the stage returned completes when it has ended.
     */
    protected abstract CompletionStage<?> runOnce();

    @Override
    public synchronized void start() {
        if (next == null) {
            next = time.schedule(interval, this::runAndReschedule);
        }
    }

    @Override
    public synchronized void stop() {
        if (next != null) {
            next.cancel();
            next = null;
        }
    }

    @Override
    public boolean isRunning() {
        return next != null;
    }

    private void runAndReschedule() {
        CompletionStage<?> ended;
        try {
            ended = runOnce();
        }
        catch (RuntimeException ex) {
            ended = CompletableFuture.failedFuture(ex);
        }
        ended.whenComplete((ignored, failure) -> {
            if (failure != null) {
                log.warn("{} failed; running again in {}", getClass().getSimpleName(), interval, failure);
            }
            synchronized (this) {
                if (next != null) {
                    next = time.schedule(interval, this::runAndReschedule);
                }
            }
        });
    }
}
