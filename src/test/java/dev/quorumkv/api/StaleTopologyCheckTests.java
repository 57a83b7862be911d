package dev.quorumkv.api;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.api.StaleTopologyCheck.StaleCallException;
import dev.quorumkv.replica.InternalApi;
import org.junit.jupiter.api.Test;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The replica's rule: a call routed more than one epoch before this node's is refused; everything else is served. */
class StaleTopologyCheckTests {

    private static final String PATH = "/internal/replica/k";

    private long own = 5;
    private final StaleTopologyCheck check = new StaleTopologyCheck(() -> own);
    private final MockHttpServletResponse response = new MockHttpServletResponse();

    @Test
    void aCallRoutedTwoEpochsBehindIsRefusedNamingBothEpochs() {
        assertThatThrownBy(() -> check.preHandle(routedAt("3"), response, null))
                .isInstanceOfSatisfying(StaleCallException.class, refused -> assertThat(refused.own()).isEqualTo(5))
                .hasMessageContaining("epoch 3").hasMessageContaining("epoch 5");
        assertThat(response.getHeader(InternalApi.EPOCH)).isEqualTo("5");
    }

    @Test
    void aCallRoutedOneEpochBehindAtTheSameOrANewerOneIsServed() {
        for (String routed : new String[] {"4", "5", "6", "99"}) {
            assertThat(check.preHandle(routedAt(routed), response, null)).as("routed at %s", routed).isTrue();
        }
        assertThat(response.getHeader(InternalApi.EPOCH)).isEqualTo("5");
    }

    @Test
    void aCallWithoutAnEpochIsServedAsBefore() {
        assertThat(check.preHandle(new MockHttpServletRequest("POST", PATH), response, null)).isTrue();
    }

    @Test
    void epochZeroOnEitherSideIsNeverStale() {
        assertThat(check.preHandle(routedAt("0"), response, null)).as("a call not routed by a placement").isTrue();

        own = 0;
        assertThat(check.preHandle(routedAt("1"), new MockHttpServletResponse(), null)).as("a node before the cluster formed").isTrue();
    }

    @Test
    void anEpochThatIsNoNumberIsBadInput() {
        assertThatThrownBy(() -> check.preHandle(routedAt("three"), response, null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(InternalApi.EPOCH);
        assertThatThrownBy(() -> check.preHandle(routedAt("-1"), response, null)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aRefusalIsA409StaleTopologyProblem() {
        ResponseEntity<ProblemDetail> answer = FailureProblems.answerFor(new StaleCallException(3, 5), "POST", PATH).orElseThrow();

        assertThat(answer.getStatusCode().value()).isEqualTo(409);
        assertThat(answer.getBody().getTitle()).isEqualTo("Stale topology");
        assertThat(answer.getBody().getDetail()).contains("epoch 3", "epoch 5", "nothing was read or stored");
        assertThat(answer.getBody().getProperties()).containsEntry("epoch", 5L);
    }

    private static MockHttpServletRequest routedAt(String epoch) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", PATH);
        request.addHeader(InternalApi.EPOCH, epoch);
        return request;
    }
}
