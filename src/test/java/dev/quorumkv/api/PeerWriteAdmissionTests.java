package dev.quorumkv.api;

import dev.quorumkv.api.AdmissionControl.OverloadedException;
import dev.quorumkv.api.AdmissionControl.Requester;
import dev.quorumkv.replica.InternalApi;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A peer's write reserves three times its body before it is read, up to the whole budget, and gives it back once answered. */
class PeerWriteAdmissionTests {

    private final AdmissionControl admission = new AdmissionControl(4000);
    private final PeerWriteAdmission interceptor = new PeerWriteAdmission(admission, new InFlightBytes(3), 1000);
    private final MockHttpServletResponse response = new MockHttpServletResponse();

    @Test
    void aWriteIsCountedFromBeforeItsBodyIsReadUntilItHasBeenAnswered() {
        MockHttpServletRequest write = post("/internal/replica/k", 400);

        assertThat(interceptor.preHandle(write, response, null)).isTrue();
        assertThat(admission.inFlightBytes()).isEqualTo(1200);
        interceptor.afterCompletion(write, response, null, new IllegalStateException("the store failed"));
        interceptor.afterCompletion(write, response, null, null);
        assertThat(admission.inFlightBytes()).as("given back once, whatever the outcome").isZero();
    }

    @Test
    void peersMayUseTheQuarterClientsCannotAndAreRefusedBeyondIt() {
        admission.reserve(Requester.CLIENT, 3000);

        MockHttpServletRequest batch = post(InternalApi.WRITE_BATCH_PATH, 300);
        assertThat(interceptor.preHandle(batch, response, null)).isTrue();
        assertThat(admission.inFlightBytes()).isEqualTo(3900);
        assertThatThrownBy(() -> interceptor.preHandle(post("/internal/replica/k", 100), response, null))
                .isInstanceOf(OverloadedException.class);
        assertThat(admission.inFlightBytes()).isEqualTo(3900);
    }

    @Test
    void aBodyOfUnknownLengthIsCountedAtTheLimitAndReadsAreNotCounted() {
        MockHttpServletRequest chunked = post("/internal/replica/k", -1);
        interceptor.preHandle(chunked, response, null);
        assertThat(admission.inFlightBytes()).isEqualTo(3000);
        interceptor.afterCompletion(chunked, response, null, null);

        MockHttpServletRequest read = post(InternalApi.READ_BATCH_PATH, 100);
        interceptor.preHandle(read, response, null);
        MockHttpServletRequest get = new MockHttpServletRequest("GET", "/internal/replica/k");
        interceptor.preHandle(get, response, null);
        assertThat(admission.inFlightBytes()).isZero();
    }

    private static MockHttpServletRequest post(String path, int length) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", path);
        if (length >= 0) {
            request.setContent(new byte[length]);
        }
        return request;
    }
}
