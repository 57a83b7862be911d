package dev.quorumkv.time;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * The node's one source of time: a monotonic ticker for durations and deadlines, the wall clock versions
 * are stamped from, and a scheduler for what must happen later. Everything time-driven (replica
 * deadlines, peer-call spacing, failure detection, probes, latency meters, and the background jobs to
 * come) takes it injected, so tests move time forward by hand instead of sleeping.
 */
public interface TimeSource {

    /** Monotonic nanoseconds, for durations only: {@link System#nanoTime()} in production. */
    long nanoTime();

    /** Milliseconds since the epoch by the wall clock, which may jump: what versions are stamped from. */
    long wallMillis();

    /**
     * Runs {@code task} once {@code delay} has passed, on the scheduler's thread: tasks must be short and
     * must not block (starting a non-blocking call is fine).
     */
    Scheduled schedule(Duration delay, Runnable task);

    /**
     * A view of {@code call} that fails with {@link TimeoutException} once {@code timeout} has passed. The
     * call itself is left to finish: a caller that stops waiting must never cancel the work (a slow replica
     * still receives the write).
     */
    default <T> CompletableFuture<T> deadline(CompletableFuture<T> call, Duration timeout) {
        CompletableFuture<T> view = call.copy();
        if (!view.isDone()) {
            Scheduled timer = schedule(timeout, () -> view.completeExceptionally(new TimeoutException("no answer within " + timeout)));
            view.whenComplete((value, failure) -> timer.cancel());
        }
        return view;
    }

    /** A scheduled task that has not run yet can be cancelled; cancelling it later does nothing. */
    interface Scheduled {

        void cancel();
    }
}
