package dev.quorumkv.coordinator;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;

import static dev.quorumkv.coordinator.QuorumWriteServiceTests.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The coordinator's clock rules with time set by hand (DESIGN.md, "Clocks" and the write path, item 6): a
 * write is never acknowledged while replicas hold a version stamped later by a clock that ran ahead, and a
 * coordinator whose clock is off from most of its peers coordinates nothing.
 */
class ClockRulesTests {

    private static final long NOW = 1_763_935_200_000L;
    private static final String KEY = "k";

    private final List<Member> members = CoordinatorFixture.members(3);
    private final FakeReplicas replicas = new FakeReplicas(members);
    private final CoordinatorFixture coordinator = new CoordinatorFixture(members, replicas, "n1", new Quorum(3, 2, 2),
            Duration.ofMinutes(1), CoordinatorFixture.clockAt(NOW));

    /** The bug this guards: replicas kept the older-stamped version and the write was acknowledged anyway. */
    @Test
    void aWriteStampedBehindWhatTheReplicasHoldIsStampedAgainPastItBeforeItIsAcknowledged() {
        Versioned fromAClockThatRanAhead = Versioned.value(new Version(NOW + 30_000, 0, "n3"), "text/plain", bytes("earlier"));
        members.forEach(member -> replicas.seed(member, KEY, fromAClockThatRanAhead));

        var answer = coordinator.writes.put(KEY, "text/plain", bytes("later"), null, null).join();

        assertThat(answer.version()).isGreaterThan(fromAClockThatRanAhead.version());
        assertThat(answer.acks()).isEqualTo(2);
        assertThat(new String(coordinator.reads.get(KEY, 3).join().newest().orElseThrow().value())).isEqualTo("later");
        assertThat(coordinator.registry.counter("quorumkv.write.restamped").count()).isEqualTo(1);
    }

    /**
     * Even when W replicas hold the write itself, one holding a later version would win a quorum read that
     * reaches it: the write is stamped past it too.
     */
    @Test
    void oneReplicaHoldingALaterVersionIsEnoughToStampTheWriteAgain() {
        Versioned partial = Versioned.value(new Version(NOW + 10_000, 0, "n3"), "text/plain", bytes("failed write"));
        replicas.seed(members.get(2), KEY, partial);

        var answer = coordinator.writes.put(KEY, "text/plain", bytes("acknowledged"), null, null).join();

        assertThat(answer.version()).isGreaterThan(partial.version());
        members.forEach(member -> assertThat(new String(replicas.stored(member, KEY).orElseThrow().value()))
                .isEqualTo("acknowledged"));
    }

    /**
     * A re-stamped write was sent twice, and each fan-out carries the value: it is let go once, when the
     * calls of both have ended, not when the first fan-out's or the answer's have.
     */
    @Test
    void aRestampedWritesValueIsReleasedOnceAfterTheCallsOfEveryFanOutHaveEnded() {
        Versioned fromAClockThatRanAhead = Versioned.value(new Version(NOW + 30_000, 0, "n3"), "text/plain", bytes("earlier"));
        replicas.seed(members.get(0), KEY, fromAClockThatRanAhead);
        replicas.seed(members.get(1), KEY, fromAClockThatRanAhead);
        replicas.set(members.get(2), FakeReplicas.Mode.HELD);
        AtomicInteger released = new AtomicInteger();

        var answer = coordinator.writes.put(KEY, "text/plain", bytes("later"), null, false, null, released::incrementAndGet).join();

        assertThat(answer.version()).isGreaterThan(fromAClockThatRanAhead.version());
        assertThat(replicas.calls().stream().filter(call -> call.equals("write:n3:" + KEY))).as("one call per fan-out").hasSize(2);
        assertThat(released).as("answered, both calls to n3 still out").hasValue(0);
        replicas.release(members.get(2));
        assertThat(released).hasValue(1);
    }

    /**
     * Many clients writing one key at once: the re-stamped write finds a newer version again, one the first fan-out,
     * which heard from W replicas, did not see. That write was not acknowledged before this one began, so this one
     * is acknowledged, ordered before it; stamping again and again would only fail it.
     */
    @Test
    void aRestampedWriteThatMeetsAConcurrentNewerWriteIsAcknowledgedAndTheNewerOneIsRead() {
        Member n1 = members.get(0);
        Member n2 = members.get(1);
        Member n3 = members.get(2);
        Versioned fromAClockThatRanAhead = Versioned.value(new Version(NOW + 30_000, 0, "n3"), "text/plain", bytes("earlier"));
        members.forEach(member -> replicas.seed(member, KEY, fromAClockThatRanAhead));
        members.forEach(member -> replicas.set(member, FakeReplicas.Mode.HELD));

        var answer = coordinator.writes.put(KEY, "text/plain", bytes("mine"), null, null);
        replicas.release(n1);
        replicas.set(n1, FakeReplicas.Mode.HELD);
        replicas.release(n2); // the first fan-out heard from W replicas, both holding the earlier version: stamped again
        Versioned concurrent = Versioned.value(new Version(NOW + 60_000, 0, "n2"), "text/plain", bytes("concurrent"));
        replicas.seed(n1, KEY, concurrent);
        replicas.seed(n3, KEY, concurrent);
        replicas.release(n1); // the re-stamped write reaches n1 after the concurrent one

        // Answered while n3 still holds both fan-outs: the shadowing answer counted as n1's ack (else this waits on n3).
        assertThat(answer).succeedsWithin(Duration.ofSeconds(30)).satisfies(written ->
                assertThat(written.version()).isGreaterThan(fromAClockThatRanAhead.version()).isLessThan(concurrent.version()));
        assertThat(coordinator.registry.counter("quorumkv.write.restamped").count()).isEqualTo(1);
        replicas.release(n3);
        assertThat(new String(coordinator.reads.get(KEY, 3).join().newest().orElseThrow().value())).isEqualTo("concurrent");
    }

    @Test
    void aWriteThatNoReplicaShadowsIsSentOnce() {
        coordinator.writes.put(KEY, "text/plain", bytes("v"), null, null).join();

        assertThat(replicas.calls().stream().filter(call -> call.startsWith("write:"))).hasSize(3);
        assertThat(coordinator.registry.counter("quorumkv.write.restamped").count()).isZero();
    }

    @Test
    void aCoordinatorWhoseClockIsFarFromMostPeersRefusesWritesAndSendsNothing() {
        measureOffset(members.get(1), Duration.ofMinutes(-5));
        measureOffset(members.get(2), Duration.ofMinutes(-5));

        assertThatThrownBy(() -> coordinator.writes.put(KEY, "text/plain", bytes("v"), null, null).join())
                .cause().isInstanceOfSatisfying(WriteQuorumFailedException.class, failure -> {
                    assertThat(failure.reason()).isEqualTo(Reason.UNAVAILABLE);
                    assertThat(failure.causes().get("n1")).contains("clock");
                });
        assertThat(replicas.calls()).isEmpty();
        assertThat(coordinator.clock.stamp().counter()).as("nothing was stamped with the untrusted clock").isZero();
    }

    @Test
    void onePeerWithABadClockDoesNotStopTheCoordinator() {
        measureOffset(members.get(1), Duration.ofMinutes(5));
        measureOffset(members.get(2), Duration.ofMillis(3));

        assertThat(coordinator.writes.put(KEY, "text/plain", bytes("v"), null, null).join().acks()).isEqualTo(2);
    }

    @Test
    void aCoordinatorTrustsItsClockAgainOnceTheOffsetsAreBackWithinTheBound() {
        measureOffset(members.get(1), Duration.ofSeconds(2));
        measureOffset(members.get(2), Duration.ofSeconds(2));
        assertThat(coordinator.clockOffsets.trusted()).isFalse();

        measureOffset(members.get(1), Duration.ofMillis(40));
        measureOffset(members.get(2), Duration.ofMillis(-40));

        assertThat(coordinator.clockOffsets.trusted()).isTrue();
    }

    /** A call to {@code peer} answered at once, by a peer whose clock is {@code offset} from ours. */
    private void measureOffset(Member peer, Duration offset) {
        long now = coordinator.time.wallMillis();
        coordinator.clockOffsets.record(peer, now, now, now + offset.toMillis());
    }
}
