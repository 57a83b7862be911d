package dev.quorumkv.api;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;
import java.util.function.Predicate;

import dev.quorumkv.QuorumKvProperties;
import dev.quorumkv.api.AdmissionControl.OverloadedException;
import dev.quorumkv.api.AdmissionControl.Requester;
import dev.quorumkv.api.AdmissionControl.Reservation;
import dev.quorumkv.coordinator.CoordinatorMetrics;
import dev.quorumkv.coordinator.Operation;
import dev.quorumkv.coordinator.Quorum;
import dev.quorumkv.coordinator.QuorumFailedException;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;
import dev.quorumkv.storage.Versioned;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;

/**
 * What a client request on {@code /kv} reserves in the admission budget ({@link AdmissionControl}), when,
 * and until when ({@link InFlightBytes} says how much). A request the node has no room for is refused at
 * once, never queued: a {@link QuorumFailedException} with reason {@code overloaded} and nothing sent,
 * answered 503 with {@code Retry-After} and counted as {@code overloaded}. Every reservation is given back
 * once the answer has been written (or the connection has failed), and, for a PUT, once every replica call
 * carrying its value has ended as well.
 */
@Component
class ClientAdmission {

    private final AdmissionControl admission;
    private final InFlightBytes costs;
    private final Quorum quorum;
    private final CoordinatorMetrics metrics;
    private final long maxValueBytes;

    ClientAdmission(AdmissionControl admission, InFlightBytes costs, Quorum quorum, CoordinatorMetrics metrics,
            QuorumKvProperties properties) {
        this.admission = admission;
        this.costs = costs;
        this.quorum = quorum;
        this.metrics = metrics;
        this.maxValueBytes = properties.maxValueBytes().toBytes();
    }

    /**
     * A PUT's reservation, before a byte of its body is read: its declared length, or, for a chunked body,
     * its first buffer ({@link #bodyGrowth} adds the rest as it grows).
     *
     * @param valueReleased completes once no replica call holds the value (or none will be made)
     */
    Reservation put(HttpServletRequest request, Integer w, CompletableFuture<?> valueReleased) {
        long declared = request.getContentLengthLong();
        long body = declared >= 0 ? Math.min(declared, maxValueBytes) : RequestBodies.firstChunkedCapacity(maxValueBytes);
        return heldUntilAnswered(request, reserve(Operation.WRITE, w, costs.clientWrite(body)), valueReleased);
    }

    /** For {@link RequestBodies#readAsync}: a chunked body grows only with room for it, else it is refused as overloaded. */
    LongFunction<RuntimeException> bodyGrowth(Reservation reservation, Integer w) {
        return capacity -> reservation.tryGrowTo(costs.clientWrite(capacity)) ? null : refused(Operation.WRITE, w);
    }

    /** The body is in: what was reserved beyond its real length (a chunked body's last buffer) is given back. */
    void bodyRead(Reservation reservation, int length) {
        reservation.shrinkTo(costs.clientWrite(length));
    }

    void delete(HttpServletRequest request, Integer w) {
        heldUntilAnswered(request, reserve(Operation.WRITE, w, costs.clientWrite(0)), CompletableFuture.completedFuture(null));
    }

    /**
     * A GET's reservation, and the room for each value a replica answers with, asked as it arrives (a read
     * holds up to N of them): a value without room is let go at once ({@code QuorumReadService.get}).
     */
    Predicate<Versioned> get(HttpServletRequest request, Integer r) {
        Reservation reservation = heldUntilAnswered(request, reserve(Operation.READ, r, costs.clientRead()),
                CompletableFuture.completedFuture(null));
        return value -> reservation.tryGrow(costs.answer(value.value().length));
    }

    private Reservation reserve(Operation operation, Integer requested, long bytes) {
        try {
            return admission.reserve(Requester.CLIENT, bytes);
        }
        catch (OverloadedException overloaded) {
            throw refused(operation, requested);
        }
    }

    /** The refusal of a request the node has no room for, counted as {@code overloaded}; nothing was sent. */
    private QuorumFailedException refused(Operation operation, Integer requested) {
        metrics.overloaded(operation);
        int required = requested != null ? requested : operation == Operation.WRITE ? quorum.w() : quorum.r();
        return QuorumFailedException.of(operation, Reason.OVERLOADED, 0, required, quorum.n(), Map.of());
    }

    /** Gives the reservation back once the request's async cycle has completed and {@code alsoHeldUntil} too. */
    private static Reservation heldUntilAnswered(HttpServletRequest request, Reservation reservation, CompletableFuture<?> alsoHeldUntil) {
        CompletableFuture<Void> answered = new CompletableFuture<>();
        request.getAsyncContext().addListener(new AsyncListener() {
            @Override
            public void onComplete(AsyncEvent event) {
                answered.complete(null);
            }

            @Override
            public void onTimeout(AsyncEvent event) {
            }

            @Override
            public void onError(AsyncEvent event) {
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
            }
        });
        CompletableFuture.allOf(answered, alsoHeldUntil).whenComplete((ignored, failure) -> reservation.release());
        return reservation;
    }
}
