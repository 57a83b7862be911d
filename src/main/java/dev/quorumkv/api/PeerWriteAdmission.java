package dev.quorumkv.api;

import dev.quorumkv.api.AdmissionControl.Requester;
import dev.quorumkv.api.AdmissionControl.Reservation;
import dev.quorumkv.replica.InternalApi;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Counts a peer's replica write (one value or a batch) against the admission budget before its body is
 * read, and gives the bytes back once it has been answered. When they do not fit, the write is refused at
 * once, 503 {@code overloaded} with the {@link InternalApi#OVERLOADED} marker, which the sending coordinator
 * takes as a refusal from a live node ({@code ReplicaOverloadedException}), never as a reason to mark it down.
 * Peers' writes may use the whole budget, clients only three quarters of it ({@link AdmissionControl}).
 */
class PeerWriteAdmission implements HandlerInterceptor {

    private static final String RESERVATION = PeerWriteAdmission.class.getName() + ".reservation";

    private final AdmissionControl admission;
    private final InFlightBytes costs;
    private final long maxBodyBytes;

    PeerWriteAdmission(AdmissionControl admission, InFlightBytes costs, long maxBodyBytes) {
        this.admission = admission;
        this.costs = costs;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (isWrite(request)) {
            long declared = request.getContentLengthLong();
            long body = declared >= 0 ? Math.min(declared, maxBodyBytes) : maxBodyBytes;
            request.setAttribute(RESERVATION, admission.reserve(Requester.PEER, costs.peerWrite(body)));
        }
        return true;
    }

    @Override
    public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
        if (request.getAttribute(RESERVATION) instanceof Reservation reservation) {
            reservation.release();
        }
    }

    /** A POST of one write or a batch of them; a batched read's body is only keys, an anti-entropy listing's only segments. */
    private static boolean isWrite(HttpServletRequest request) {
        return "POST".equals(request.getMethod()) && !request.getRequestURI().equals(InternalApi.READ_BATCH_PATH)
                && !request.getRequestURI().equals(InternalApi.AAE_STAMPS_PATH);
    }
}
