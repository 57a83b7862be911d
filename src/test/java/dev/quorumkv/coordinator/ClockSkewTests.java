package dev.quorumkv.coordinator;

import java.time.Duration;
import java.util.List;

import dev.quorumkv.cluster.Member;
import org.junit.jupiter.api.Test;

import static dev.quorumkv.coordinator.QuorumWriteServiceTests.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three coordinators whose wall clocks disagree by seconds, over the same replicas. A client that sends
 * the version it was answered as X-Context keeps its writes in order through any coordinator.
 */
class ClockSkewTests {

    private static final Quorum N3_W2_R2 = new Quorum(3, 2, 2);
    private static final long NOW = 1_763_935_200_000L;

    private final List<Member> members = CoordinatorFixture.members(3);
    private final FakeReplicas replicas = new FakeReplicas(members);
    private final CoordinatorFixture fast = coordinator("n1", NOW + 7_000);
    private final CoordinatorFixture exact = coordinator("n2", NOW);
    private final CoordinatorFixture slow = coordinator("n3", NOW - 7_000);

    @Test
    void aWriteSentWithTheContextOfThePreviousAnswerWinsThroughASlowerCoordinator() {
        var first = fast.writes.put("k", "text/plain", bytes("first"), null, null).join();

        var second = slow.writes.put("k", "text/plain", bytes("second"), null, first.version()).join();

        assertThat(second.version()).isGreaterThan(first.version());
        assertThat(new String(exact.reads.get("k", 3).join().newest().orElseThrow().value())).isEqualTo("second");
    }

    @Test
    void aChainOfWritesWithContextKeepsItsOrderWhateverCoordinatorTakesEach() {
        List<CoordinatorFixture> order = List.of(fast, slow, exact, slow, fast, slow);
        var previous = order.get(0).writes.put("chain", "text/plain", bytes("0"), null, null).join();
        for (int i = 1; i < order.size(); i++) {
            var next = order.get(i).writes.put("chain", "text/plain", bytes(Integer.toString(i)), null, previous.version()).join();
            assertThat(next.version()).isGreaterThan(previous.version());
            previous = next;
        }
        assertThat(new String(exact.reads.get("chain", 3).join().newest().orElseThrow().value())).isEqualTo("5");
    }

    /**
     * Without a context a coordinator whose clock lags stamps the later write older; the replicas answer
     * that they hold a later version, and the coordinator stamps the write again past it before it answers.
     * (Before replicas said so, the later write was acknowledged and silently lost.)
     */
    @Test
    void withoutContextALaterWriteThroughALaggingCoordinatorIsStampedAgainAndWins() {
        var first = fast.writes.put("k", "text/plain", bytes("first"), null, null).join();
        var second = slow.writes.put("k", "text/plain", bytes("second"), null, null).join();

        assertThat(second.version()).isGreaterThan(first.version());
        assertThat(new String(exact.reads.get("k", 3).join().newest().orElseThrow().value())).isEqualTo("second");
        assertThat(slow.registry.counter("quorumkv.write.restamped").count()).isEqualTo(1);
    }

    private CoordinatorFixture coordinator(String id, long wallMillis) {
        return new CoordinatorFixture(members, replicas, id, N3_W2_R2, Duration.ofMinutes(1), CoordinatorFixture.clockAt(wallMillis));
    }
}
