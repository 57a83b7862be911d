package dev.quorumkv.coordinator;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.FakeReplicas.Mode;
import dev.quorumkv.coordinator.Quorum.InvalidQuorumException;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;
import dev.quorumkv.coordinator.QuorumWriteService.WriteResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The write quorum rules against in-memory replicas that can fail, refuse or be held. "Does not wait for
 * a slow replica" is proven by order: the answer is there while that replica is still held.
 */
@Timeout(30)
class QuorumWriteServiceTests {

    private static final Quorum N3_W2_R2 = new Quorum(3, 2, 2);
    private static final Duration NO_TIMEOUT_IN_THIS_TEST = Duration.ofMinutes(10);
    private static final String KEY = "cart:42";

    private final CoordinatorFixture fixture = new CoordinatorFixture(3, N3_W2_R2, NO_TIMEOUT_IN_THIS_TEST);
    private final List<Member> replicas = fixture.replicasOf(KEY, 3);

    @Test
    void writeSucceedsWhenAllReplicasAck() {
        WriteResult result = put(null).join();

        assertThat(result.acks()).isEqualTo(2);
        assertThat(result.w()).isEqualTo(2);
        assertThat(result.n()).isEqualTo(3);
        replicas.forEach(replica -> assertThat(fixture.replicas.stored(replica, KEY)).hasValueSatisfying(
                stored -> assertThat(stored.version()).isEqualTo(result.version())));
        assertThat(fixture.count("quorumkv.writes", "success")).isEqualTo(1);
        assertThat(fixture.registry.get("quorumkv.write.under_replicated").counter().count()).isZero();
    }

    @Test
    void writeSucceedsWithOneReplicaDown() {
        Member down = replicas.get(2);
        fixture.replicas.set(down, Mode.FAILING);

        WriteResult result = put(null).join();

        assertThat(result.acks()).isEqualTo(2);
        assertThat(fixture.replicas.stored(down, KEY)).isEmpty();
        assertThat(fixture.registry.get("quorumkv.write.under_replicated").counter().count()).isEqualTo(1);
        assertThat(fixture.registry.get("quorumkv.replica.requests")
                .tags("peer", down.id(), "op", "write", "outcome", "error").counter().count()).isEqualTo(1);
    }

    /** As in the seed's diagram: two replicas ack, the third is down and its failure comes last. */
    @Test
    void writeWithWEqualToNFailsWithOneReplicaDownReportingTwoAcks() {
        fixture.replicas.set(replicas.get(0), Mode.HELD);
        CompletableFuture<WriteResult> answer = put(3);
        assertThat(answer).as("waits for the third ack").isNotDone();

        fixture.replicas.failHeld(replicas.get(0));

        assertThatThrownBy(answer::join).cause().isInstanceOfSatisfying(QuorumFailedException.class, failure -> {
            assertThat(failure.reason()).isEqualTo(Reason.FAILED);
            assertThat(failure.acks()).isEqualTo(2);
            assertThat(failure.required()).isEqualTo(3);
            assertThat(failure.n()).isEqualTo(3);
            assertThat(failure.causes()).containsOnlyKeys(replicas.get(0).id());
        });
        assertThat(fixture.count("quorumkv.writes", "failed")).isEqualTo(1);
    }

    @Test
    void writeAnswersWhileOneReplicaIsHeldAndTheHeldReplicaStillGetsTheWrite() {
        Member slow = replicas.get(1);
        fixture.replicas.set(slow, Mode.HELD);

        CompletableFuture<WriteResult> answer = put(null);

        assertThat(answer).isCompleted();
        assertThat(answer.join().acks()).isEqualTo(2);
        assertThat(fixture.replicas.stored(slow, KEY)).as("still held").isEmpty();

        fixture.replicas.release(slow);

        assertThat(fixture.replicas.stored(slow, KEY)).hasValueSatisfying(
                stored -> assertThat(stored.version()).isEqualTo(answer.join().version()));
        assertThat(fixture.registry.get("quorumkv.write.under_replicated").counter().count())
                .as("every replica acked in the end").isZero();
    }

    @Test
    void writeFailsAsSoonAsMoreThanNMinusWReplicasFailWithoutWaitingForTheHeldOne() {
        fixture.replicas.set(replicas.get(0), Mode.FAILING);
        fixture.replicas.set(replicas.get(1), Mode.REJECTING);
        Member held = replicas.get(2);
        fixture.replicas.set(held, Mode.HELD);

        CompletableFuture<WriteResult> answer = put(null);

        assertThat(answer).isCompletedExceptionally();
        assertThatThrownBy(answer::join).cause().isInstanceOfSatisfying(QuorumFailedException.class,
                failure -> assertThat(failure.reason()).isEqualTo(Reason.FAILED));
        fixture.replicas.release(held);
        assertThat(fixture.replicas.stored(held, KEY)).as("no rollback, no cancel").isPresent();
    }

    @Test
    void writeTimesOutWhenTooFewReplicasAnswerInTimeAndTheLateOnesStillGetIt() {
        CoordinatorFixture quick = new CoordinatorFixture(3, N3_W2_R2, Duration.ofMillis(50));
        List<Member> keyReplicas = quick.replicasOf(KEY, 3);
        quick.replicas.set(keyReplicas.get(0), Mode.HELD);
        quick.replicas.set(keyReplicas.get(1), Mode.HELD);

        CompletableFuture<WriteResult> answer = quick.writes.put(KEY, "text/plain", bytes("v"), null, null);
        assertThat(answer).as("the deadline has not passed yet").isNotDone();
        quick.time.advance(Duration.ofMillis(50));

        assertThatThrownBy(answer::join).cause().isInstanceOfSatisfying(QuorumFailedException.class, failure -> {
            assertThat(failure.reason()).isEqualTo(Reason.TIMEOUT);
            assertThat(failure.acks()).isEqualTo(1);
        });
        assertThat(quick.count("quorumkv.writes", "timeout")).isEqualTo(1);
        quick.replicas.release(keyReplicas.get(0));
        assertThat(quick.replicas.stored(keyReplicas.get(0), KEY)).as("the late replica still gets the write").isPresent();
    }

    @Test
    void writeFailsAtOnceAsUnavailableWithNothingSentWhenTooFewReplicasAreKnownUp() {
        // The coordinator itself is never marked down: the two down replicas are its peers.
        List<Member> peers = replicas.stream().filter(replica -> !replica.equals(fixture.cluster.self())).toList();
        Member first = peers.get(0);
        Member second = peers.get(1);
        fixture.replicas.set(first, Mode.FAILING);
        fixture.replicas.set(second, Mode.FAILING);
        fixture.markDown(first);
        fixture.markDown(second);

        CompletableFuture<WriteResult> answer = put(null);

        assertThatThrownBy(answer::join).cause().isInstanceOfSatisfying(QuorumFailedException.class, failure -> {
            assertThat(failure.reason()).isEqualTo(Reason.UNAVAILABLE);
            assertThat(failure.acks()).isZero();
        });
        assertThat(fixture.replicas.calls()).as("nothing sent").isEmpty();
        assertThat(fixture.count("quorumkv.writes", "unavailable")).isEqualTo(1);

        // They come back: a probe (as PeerProber does) answers, and writes flow again.
        fixture.replicas.release(first);
        fixture.replicas.release(second);
        fixture.replicas.probe(first).thenRun(() -> fixture.failureDetector.recordSuccess(first)).join();
        fixture.replicas.probe(second).thenRun(() -> fixture.failureDetector.recordSuccess(second)).join();

        assertThat(put(3).join().acks()).isEqualTo(3);
    }

    @Test
    void writeSkipsAReplicaKnownDownAndStillSucceedsWithTheOthers() {
        Member down = peerOf(replicas);
        fixture.replicas.set(down, Mode.FAILING);
        fixture.markDown(down);

        assertThat(put(null).join().acks()).isEqualTo(2);
        assertThat(fixture.replicas.calls()).noneMatch(call -> call.startsWith("write:" + down.id()));
    }

    @Test
    void perRequestWOfOneAnswersAfterTheFirstAck() {
        List<Member> others = replicas.stream().filter(replica -> !replica.equals(fixture.cluster.self())).toList();
        others.forEach(replica -> fixture.replicas.set(replica, Mode.HELD));

        CompletableFuture<WriteResult> answer = put(1);

        assertThat(answer).isCompleted();
        assertThat(answer.join().acks()).isEqualTo(1);
        assertThat(answer.join().w()).isEqualTo(1);
    }

    @Test
    void perRequestWOutsideOneToNIsRefusedWithNothingSent() {
        assertThatThrownBy(() -> put(0)).isInstanceOf(InvalidQuorumException.class).hasMessageContaining("w=0");
        assertThatThrownBy(() -> put(4)).isInstanceOf(InvalidQuorumException.class).hasMessageContaining("between 1 and N (3)");
        assertThat(fixture.replicas.calls()).isEmpty();
    }

    @Test
    void deleteWritesATombstoneThatWinsOverTheValue() {
        WriteResult written = put(null).join();
        WriteResult deleted = fixture.writes.delete(KEY, null, null).join();

        assertThat(deleted.version()).isGreaterThan(written.version());
        replicas.forEach(replica -> assertThat(fixture.replicas.stored(replica, KEY))
                .hasValueSatisfying(stored -> assertThat(stored.isTombstone()).isTrue()));
    }

    @Test
    void rejectedReplicaCountsAgainstTheQuorumButIsNotMarkedDown() {
        Member refusing = peerOf(replicas);
        fixture.replicas.set(refusing, Mode.REJECTING);

        for (int i = 0; i < 5; i++) {
            put(null).join();
        }

        assertThat(fixture.failureDetector.isUp(refusing)).isTrue();
        assertThat(fixture.registry.get("quorumkv.replica.requests")
                .tags("peer", refusing.id(), "op", "write", "outcome", "rejected").counter().count()).isEqualTo(5);
    }

    @Test
    void aPeerWhoseAnswersArriveOnlyAfterTheTimeoutIsSlowNotDownAndStaysInUse() {
        CoordinatorFixture quick = new CoordinatorFixture(3, N3_W2_R2, Duration.ofMillis(50));
        Member slow = peerOf(quick.replicasOf(KEY, 3)); // quick is n1 too, like fixture
        for (int i = 1; i <= 5; i++) {
            quick.replicas.set(slow, Mode.HELD);
            quick.writes.put(KEY, "text/plain", bytes("v" + i), null, null).join();
            quick.time.advance(Duration.ofMillis(50));
            assertThat(quick.registry.get("quorumkv.replica.requests")
                    .tags("peer", slow.id(), "op", "write", "outcome", "timeout").counter().count()).isEqualTo(i);
            quick.replicas.release(slow); // the late answer arrives after the coordinator stopped waiting
        }

        assertThat(quick.failureDetector.isUp(slow)).as("5 timeouts, each answered late: alive").isTrue();
        assertThat(quick.replicas.stored(slow, KEY)).hasValueSatisfying(
                stored -> assertThat(new String(stored.value(), StandardCharsets.UTF_8)).isEqualTo("v5"));
    }

    @Test
    void aPeerThatAnswersNothingIsMarkedDownAfterThreeTimeouts() {
        CoordinatorFixture quick = new CoordinatorFixture(3, N3_W2_R2, Duration.ofMillis(50));
        Member silent = peerOf(quick.replicasOf(KEY, 3)); // quick is n1 too, like fixture
        quick.replicas.set(silent, Mode.HELD);

        for (int i = 1; i <= 3; i++) {
            quick.writes.put(KEY, "text/plain", bytes("v" + i), null, null).join();
        }
        assertThat(quick.failureDetector.isUp(silent)).as("no deadline has passed yet").isTrue();

        quick.time.advance(Duration.ofMillis(50));

        assertThat(quick.failureDetector.isUp(silent)).isFalse();
    }

    /**
     * The value is let go only once no replica call carries it: not at the answer (W acks), nor at the
     * timeout, since a call the coordinator stopped waiting for still carries the value to its replica.
     */
    @Test
    void theValueIsReleasedOnceEveryCallHasEndedNotAtTheAnswerNorAtTheTimeout() {
        CoordinatorFixture quick = new CoordinatorFixture(3, N3_W2_R2, Duration.ofMillis(50));
        Member slow = peerOf(quick.replicasOf(KEY, 3));
        quick.replicas.set(slow, Mode.HELD);
        AtomicInteger released = new AtomicInteger();

        WriteResult result = quick.writes.put(KEY, "text/plain", bytes("v"), null, false, null, released::incrementAndGet).join();
        assertThat(result.acks()).isEqualTo(2);
        assertThat(released).as("answered, a call still out").hasValue(0);
        quick.time.advance(Duration.ofMillis(50));
        assertThat(released).as("timed out, the call still out").hasValue(0);

        quick.replicas.release(slow);

        assertThat(released).as("every call ended").hasValue(1);
    }

    @Test
    void theValueIsReleasedOnceWhenNothingIsSentAndWhenEveryCallFails() {
        AtomicInteger released = new AtomicInteger();
        replicas.stream().filter(replica -> !replica.equals(fixture.cluster.self())).forEach(fixture::markDown);
        assertThatThrownBy(() -> fixture.writes.put(KEY, "text/plain", bytes("v"), null, false, null, released::incrementAndGet).join())
                .cause().isInstanceOfSatisfying(QuorumFailedException.class,
                        failure -> assertThat(failure.reason()).isEqualTo(Reason.UNAVAILABLE));
        assertThat(released).as("unavailable: nothing sent").hasValue(1);

        CoordinatorFixture failing = new CoordinatorFixture(3, N3_W2_R2, NO_TIMEOUT_IN_THIS_TEST);
        failing.replicasOf(KEY, 3).forEach(replica -> failing.replicas.set(replica, Mode.FAILING));
        AtomicInteger releasedAfterFailures = new AtomicInteger();
        assertThatThrownBy(() -> failing.writes.put(KEY, "text/plain", bytes("v"), null, false, null,
                releasedAfterFailures::incrementAndGet).join()).cause().isInstanceOf(QuorumFailedException.class);
        assertThat(releasedAfterFailures).hasValue(1);

        AtomicInteger releasedAfterInvalid = new AtomicInteger();
        assertThatThrownBy(() -> fixture.writes.put(KEY, "text/plain", bytes("v"), 4, false, null, releasedAfterInvalid::incrementAndGet))
                .isInstanceOf(InvalidQuorumException.class);
        assertThat(releasedAfterInvalid).hasValue(1);
    }

    private CompletableFuture<WriteResult> put(Integer w) {
        return fixture.writes.put(KEY, "text/plain", bytes("v"), w, null);
    }

    private Member peerOf(List<Member> candidates) {
        return candidates.stream().filter(replica -> !replica.equals(fixture.cluster.self())).findFirst().orElseThrow();
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
