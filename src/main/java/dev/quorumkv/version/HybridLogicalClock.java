package dev.quorumkv.version;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import dev.quorumkv.time.TimeSource;

/**
 * A hybrid logical clock (Kulkarni et al.): versions follow wall-clock time when it moves forward, and a
 * logical counter keeps them strictly increasing when it stalls or jumps back, or when a version from a
 * faster node has been seen. The state is one packed {@code long} updated with CAS, so stamping never locks.
 */
public class HybridLogicalClock {

    /** Low bits hold the counter; a counter overflow carries into the millisecond, which keeps order. */
    private static final int COUNTER_BITS = 20;
    private static final long COUNTER_MASK = (1L << COUNTER_BITS) - 1;

    private final String nodeId;
    private final TimeSource time;
    private final Duration maxContextAhead;
    private final AtomicLong state = new AtomicLong();

    public HybridLogicalClock(String nodeId, TimeSource time, Duration maxContextAhead) {
        this.nodeId = nodeId;
        this.time = time;
        this.maxContextAhead = maxContextAhead;
    }

    /** A version newer than every version this clock has stamped or observed. */
    public Version stamp() {
        long physical = time.wallMillis() << COUNTER_BITS;
        long next = state.updateAndGet(current -> Math.max(current + 1, physical));
        return unpack(next);
    }

    /**
     * A version strictly newer than {@code context} (a version the client has seen) and than everything
     * this clock knows, so one client's sequential writes keep their order whatever the coordinators' skew.
     */
    public Version stampAfter(Version context) {
        if (context != null) {
            checkNotTooFarAhead(context);
            observe(context);
        }
        return stamp();
    }

    /** Moves the clock past a version received from elsewhere (a replica, a peer's write). */
    public void observe(Version seen) {
        long packed = pack(seen);
        state.accumulateAndGet(packed, Math::max);
    }

    private void checkNotTooFarAhead(Version context) {
        long limit = time.wallMillis() + maxContextAhead.toMillis();
        if (context.wallMillis() > limit) {
            // One client with a broken clock or a forged context must not drag every node's clock forward.
            throw new ContextTooFarAheadException(context, maxContextAhead);
        }
    }

    private static long pack(Version version) {
        return (version.wallMillis() << COUNTER_BITS) + Math.min(version.counter(), COUNTER_MASK);
    }

    private Version unpack(long packed) {
        return new Version(packed >>> COUNTER_BITS, (int) (packed & COUNTER_MASK), nodeId);
    }
}
