package dev.quorumkv.time;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Time that moves only when a test says so. {@link #advance} moves the ticker and the wall clock together
 * and runs every task that has come due, in due order, on the calling thread (tasks scheduled by those tasks
 * run too if they fall within the advance), so "the timeout passed" is a step of the test, never a wait.
 */
public final class ManualTimeSource implements TimeSource {

    private record Task(long dueNanos, long sequence, Runnable action, boolean[] cancelled) {
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.dueNanos() != b.dueNanos()
            ? Long.compare(a.dueNanos(), b.dueNanos()) : Long.compare(a.sequence(), b.sequence()));
    private static final long START_NANOS = 1_000_000_000L;

    private long nanos = START_NANOS;
    /** The wall clock at ticker start: the wall clock follows the ticker unless set by hand. */
    private long wallAtStartMillis;
    private long sequence;

    /** Starts at the given wall-clock time. */
    public ManualTimeSource(long wallMillis) {
        this.wallAtStartMillis = wallMillis;
    }

    /** Starts at a fixed, realistic wall-clock time: 2026-01-01T00:00:00Z. */
    public ManualTimeSource() {
        this(1_767_225_600_000L);
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized long wallMillis() {
        return wallAtStartMillis + (nanos - START_NANOS) / 1_000_000;
    }

    @Override
    public synchronized Scheduled schedule(Duration delay, Runnable action) {
        boolean[] cancelled = {false};
        tasks.add(new Task(nanos + Math.max(0, delay.toNanos()), sequence++, action, cancelled));
        return () -> {
            synchronized (this) {
                cancelled[0] = true;
            }
        };
    }

    /** Moves time forward by {@code step}, running what falls due on the way, each at its own time. */
    public void advance(Duration step) {
        long target;
        synchronized (this) {
            target = nanos + step.toNanos();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.dueNanos() > target) {
                    nanos = target;
                    return;
                }
                tasks.poll();
                nanos = next.dueNanos();
                if (next.cancelled()[0]) {
                    continue;
                }
            }
            next.action().run();
        }
    }

    /** Moves only the wall clock, as a clock set by hand or by NTP would jump; the ticker is unchanged. */
    public synchronized void setWallMillis(long millis) {
        this.wallAtStartMillis = millis - (nanos - START_NANOS) / 1_000_000;
    }

    /** Tasks scheduled and not yet run or cancelled. */
    public synchronized int pending() {
        List<Task> live = new ArrayList<>(tasks);
        live.removeIf(task -> task.cancelled()[0]);
        return live.size();
    }
}
