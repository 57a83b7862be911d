package dev.quorumkv.time;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Production time: {@link System#nanoTime()}, a wall {@link Clock}, and one daemon scheduler thread, as the
 * JDK's own {@code CompletableFuture.orTimeout} uses. Cancelled tasks leave the queue at once, since most
 * deadlines are cancelled (the replica answered in time).
 */
public final class SystemTimeSource implements TimeSource, AutoCloseable {

    private final Clock wallClock;
    private final ScheduledThreadPoolExecutor scheduler;

    public SystemTimeSource(Clock wallClock) {
        this.wallClock = wallClock;
        this.scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "quorumkv-timer");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long wallMillis() {
        return wallClock.millis();
    }

    @Override
    public Scheduled schedule(Duration delay, Runnable task) {
        var future = scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
