package dev.quorumkv.api;

import java.util.function.LongSupplier;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.coordinator.StaleTopologyException;
import dev.quorumkv.replica.InternalApi;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses a peer's replica read or write routed with a placement more than one epoch older than this node's
 * ({@link StaleTopologyException#isStale}): a coordinator that was paused while holding it would otherwise write
 * to owners that have since given the partition away, or read from them. Checked before the body is read and
 * before the write is counted in the admission budget, so a refused call stores and holds nothing. A call without
 * {@link InternalApi#EPOCH} (hint delivery, anti-entropy, an older node) is served as before.
 */
class StaleTopologyCheck implements HandlerInterceptor {

    private final LongSupplier ownEpoch;

    StaleTopologyCheck(LongSupplier ownEpoch) {
        this.ownEpoch = ownEpoch;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String header = request.getHeader(InternalApi.EPOCH);
        if (header == null) {
            return true;
        }
        long routed = parse(header);
        long own = ownEpoch.getAsLong();
        // The epoch compared with, whatever the answer: the caller waits for its own topology to reach it.
        response.setHeader(InternalApi.EPOCH, Long.toString(own));
        if (StaleTopologyException.isStale(routed, own)) {
            throw new StaleCallException(routed, own);
        }
        return true;
    }

    private static long parse(String header) {
        try {
            long epoch = Long.parseLong(header.strip());
            if (epoch >= 0) {
                return epoch;
            }
        }
        catch (NumberFormatException ignored) {
            // answered below
        }
        throw new InvalidInputException("Invalid epoch", InternalApi.EPOCH + " must be a topology epoch, a number of 0 or more");
    }

    /** A peer's call routed at {@code routed}, too old for this node at {@code own}: answered 409 "Stale topology". */
    static class StaleCallException extends RuntimeException {

        private final long own;

        StaleCallException(long routed, long own) {
            super("this call was routed with the topology of epoch " + routed + ", but this node is at epoch " + own
                    + ": more than one epoch behind, so nothing was read or stored; retry once the sender's topology has reached epoch "
                    + own, null, false, false);
            this.own = own;
        }

        long own() {
            return own;
        }
    }
}
