package dev.quorumkv.version;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import dev.quorumkv.time.TimeSource;

/**
 * A hybrid logical clock (Kulkarni et al.): versions follow wall-clock time when it moves forward, and a
 * logical counter keeps them strictly increasing when it stalls or jumps back, or when a version from a
 * faster node has been seen. The state is one packed {@code long} updated with CAS, so stamping never locks.
 * <p>
 * Two rules keep a bad clock from losing writes. The state survives restarts: a mark a little ahead of it
 * is saved durably ({@link ClockStateStore}) before any version reaches it, and the clock starts from the
 * mark, so a node restarted on a slower clock never stamps behind what it issued or stored. And versions
 * from elsewhere move the clock only when they lie at most {@code maxAhead} past this node's time, taken
 * as the later of its wall clock and its state: a version the cluster issued is always accepted back,
 * one stamped years ahead is refused.
 */
public class HybridLogicalClock {

    /** Low bits hold the counter; a counter overflow carries into the millisecond, which keeps order. */
    private static final int COUNTER_BITS = 20;
    private static final long COUNTER_MASK = (1L << COUNTER_BITS) - 1;
    /** How far past the state the saved mark lies: one durable write per second of clock advance. */
    static final long PERSIST_AHEAD_MILLIS = 1_000;

    private final String nodeId;
    private final TimeSource time;
    private final Duration maxAhead;
    private final ClockStateStore stateStore;
    private final AtomicLong state = new AtomicLong();
    private volatile long savedMark;

    public HybridLogicalClock(String nodeId, TimeSource time, Duration maxAhead, ClockStateStore stateStore) {
        this.nodeId = nodeId;
        this.time = time;
        this.maxAhead = maxAhead;
        this.stateStore = stateStore;
        this.savedMark = stateStore.load();
        // Nothing was handed out at or past the mark, so resuming there never goes back.
        this.state.set(savedMark << COUNTER_BITS);
    }

    public HybridLogicalClock(String nodeId, TimeSource time, Duration maxAhead) {
        this(nodeId, time, maxAhead, ClockStateStore.NONE);
    }

    /** A version newer than every version this clock has stamped or observed. */
    public Version stamp() {
        long physical = time.wallMillis() << COUNTER_BITS;
        return unpack(saved(state.updateAndGet(current -> Math.max(current + 1, physical))));
    }

    /**
     * A version strictly newer than {@code context} (a version the client has seen) and than everything
     * this clock knows, so one client's sequential writes keep their order whatever the coordinators' skew.
     *
     * @throws ContextTooFarAheadException when the context lies more than the bound ahead of this node's time
     */
    public Version stampAfter(Version context) {
        if (context != null) {
            if (isTooFarAhead(context)) {
                throw new ContextTooFarAheadException(context, maxAhead);
            }
            advanceTo(context);
        }
        return stamp();
    }

    /**
     * Moves the clock past a version received from elsewhere (a peer's write, a replica's answer).
     *
     * @throws VersionTooFarAheadException when it lies more than the bound ahead of this node's time
     */
    public void observe(Version seen) {
        if (isTooFarAhead(seen)) {
            throw new VersionTooFarAheadException(seen, maxAhead);
        }
        advanceTo(seen);
    }

    /** {@link #observe} for versions merely read: one too far ahead is served but does not move the clock. */
    public void observeIfPlausible(Version seen) {
        if (!isTooFarAhead(seen)) {
            advanceTo(seen);
        }
    }

    /** This node's time: its wall clock, or its state when that is later (versions it has seen or issued). */
    public long nowMillis() {
        return Math.max(time.wallMillis(), state.get() >>> COUNTER_BITS);
    }

    private boolean isTooFarAhead(Version version) {
        return version.wallMillis() > nowMillis() + maxAhead.toMillis();
    }

    private void advanceTo(Version seen) {
        saved(state.accumulateAndGet(pack(seen), Math::max));
    }

    /** Saves a new mark before a version at or past the old one leaves this clock. */
    private long saved(long packed) {
        long wall = packed >>> COUNTER_BITS;
        if (wall >= savedMark) {
            synchronized (this) {
                if (wall >= savedMark) {
                    long mark = Math.min(wall + PERSIST_AHEAD_MILLIS, Version.MAX_WALL_MILLIS);
                    stateStore.save(mark);
                    savedMark = mark;
                }
            }
        }
        return packed;
    }

    private static long pack(Version version) {
        return (version.wallMillis() << COUNTER_BITS) + Math.min(version.counter(), COUNTER_MASK);
    }

    private Version unpack(long packed) {
        return new Version(packed >>> COUNTER_BITS, (int) (packed & COUNTER_MASK), nodeId);
    }
}
