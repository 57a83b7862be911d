package dev.quorumkv.api;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's budget of bytes in flight ({@code quorumkv.admission.max-inflight-bytes}): a request reserves
 * what it will hold in memory before it holds it (a PUT before its body is read) and gives it back once
 * nothing holds it any more; a request that does not fit is refused at once, never queued, and answered
 * 503 {@code overloaded}. So memory is bounded by the budget whatever clients do, and the node answers
 * normally again as soon as the load falls.
 *
 * <p>Client requests may fill the budget only up to {@link #PEER_SHARE_DIVISOR a quarter} short of it;
 * that last quarter is for peers' replica writes, so a node flooded by its clients still stores the copies
 * other coordinators send it, and their quorums do not fail because of this node's clients.
 */
public class AdmissionControl {

    /** Client requests stop at capacity - capacity / 4; peers' writes may use the whole capacity. */
    static final int PEER_SHARE_DIVISOR = 4;

    /** Who asks: a client of the public API, or a peer sending replica writes. */
    enum Requester { CLIENT, PEER }

    private final long capacity;
    private final long clientLimit;
    private final AtomicLong inFlight = new AtomicLong();

    AdmissionControl(long capacityBytes) {
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("the budget must be positive, not " + capacityBytes);
        }
        this.capacity = capacityBytes;
        this.clientLimit = capacityBytes - capacityBytes / PEER_SHARE_DIVISOR;
    }

    /**
     * Reserves {@code bytes} if they fit under the requester's limit.
     *
     * @throws OverloadedException when they do not: nothing is reserved
     */
    Reservation reserve(Requester requester, long bytes) {
        if (!tryTake(requester, bytes)) {
            throw new OverloadedException(bytes, inFlight.get(), limit(requester));
        }
        return new Reservation(requester, bytes);
    }

    private boolean tryTake(Requester requester, long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("cannot reserve " + bytes + " bytes");
        }
        long limit = limit(requester);
        long now;
        do {
            now = inFlight.get();
            if (now + bytes > limit) {
                return false;
            }
        }
        while (!inFlight.compareAndSet(now, now + bytes));
        return true;
    }

    private long limit(Requester requester) {
        return requester == Requester.PEER ? capacity : clientLimit;
    }

    /** Bytes reserved and not yet given back. */
    public long inFlightBytes() {
        return inFlight.get();
    }

    public long capacityBytes() {
        return capacity;
    }

    /** The most a client request can ever reserve: a larger one would be refused even on an idle node. */
    long clientLimitBytes() {
        return clientLimit;
    }

    /**
     * Bytes held for one request. Given back exactly once, however many paths end it (answer, failure,
     * timeout, the client gone): {@link #release()} after the first does nothing, and
     * {@link #shrinkTo(long)} never gives back more than is held, so the count never goes negative.
     */
    final class Reservation implements AutoCloseable {

        private static final long RELEASED = -1;

        private final Requester requester;
        /** The bytes held, or {@link #RELEASED} once given back. */
        private final AtomicLong held;

        private Reservation(Requester requester, long bytes) {
            this.requester = requester;
            this.held = new AtomicLong(bytes);
        }

        /**
         * Reserves {@code bytes} more under the same requester's limit: what a request turned out to need once
         * it knew (a value read for a GET). False, with nothing reserved, when they do not fit or the
         * reservation has been given back already.
         */
        boolean tryGrow(long bytes) {
            if (!tryTake(requester, bytes)) {
                return false;
            }
            long now;
            do {
                now = held.get();
                if (now == RELEASED) {
                    inFlight.addAndGet(-bytes);
                    return false;
                }
            }
            while (!held.compareAndSet(now, now + bytes));
            return true;
        }

        /** {@link #tryGrow} to hold {@code bytes} in all; true at once if it holds that much already. */
        boolean tryGrowTo(long bytes) {
            long more = bytes - heldBytes();
            return more <= 0 || tryGrow(more);
        }

        /** Gives back what is held beyond {@code bytes}: a chunked body turned out smaller than reserved. */
        void shrinkTo(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("cannot hold " + bytes + " bytes");
            }
            long now;
            do {
                now = held.get();
                if (now <= bytes) { // released (-1) included
                    return;
                }
            }
            while (!held.compareAndSet(now, bytes));
            inFlight.addAndGet(bytes - now);
        }

        /** Gives back everything still held; later calls do nothing. */
        void release() {
            long bytes = held.getAndSet(RELEASED);
            if (bytes > 0) {
                inFlight.addAndGet(-bytes);
            }
        }

        long heldBytes() {
            return Math.max(0, held.get());
        }

        @Override
        public void close() {
            release();
        }
    }

    /** The budget cannot take a request now: 503 {@code overloaded} with {@code Retry-After}. */
    static class OverloadedException extends RuntimeException {

        OverloadedException(long asked, long inFlight, long limit) {
            super("this node has " + inFlight + " of its " + limit + " bytes for requests in flight in use and cannot take "
                    + asked + " more; retry shortly or use another node", null, false, false);
        }
    }
}
