package dev.quorumkv.coordinator;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.FakeReplicas.Mode;
import dev.quorumkv.coordinator.Quorum.InvalidQuorumException;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;
import dev.quorumkv.coordinator.QuorumReadService.ReadResult;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static dev.quorumkv.coordinator.QuorumWriteServiceTests.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
class QuorumReadServiceTests {

    private static final Quorum N3_W2_R2 = new Quorum(3, 2, 2);
    private static final String KEY = "user:7";

    private final CoordinatorFixture fixture = new CoordinatorFixture(3, N3_W2_R2, Duration.ofMinutes(10));
    private final List<Member> replicas = fixture.replicasOf(KEY, 3);

    @Test
    void readAnswersWithTheNewestAmongTheFirstRRepliesAndRepairsTheRestOnceAllAnswered() {
        Member newestHolder = replicas.get(0);
        fixture.replicas.seed(replicas.get(1), KEY, value(100, "old"));
        fixture.replicas.seed(replicas.get(2), KEY, value(200, "middle"));
        fixture.replicas.seed(newestHolder, KEY, value(300, "new"));
        fixture.replicas.set(newestHolder, Mode.HELD);

        ReadResult firstR = fixture.reads.get(KEY, null).join();

        assertThat(new String(firstR.newest().orElseThrow().value())).as("newest of the first two replies").isEqualTo("middle");
        assertThat(fixture.replicas.stored(replicas.get(1), KEY).orElseThrow().version().wallMillis())
                .as("the first R hold what was answered").isEqualTo(200);

        fixture.replicas.release(newestHolder);

        replicas.forEach(replica -> assertThat(fixture.replicas.stored(replica, KEY).orElseThrow().version().wallMillis())
                .isEqualTo(300));
        assertThat(fixture.registry.get("quorumkv.read.repairs").counter().count())
                .as("middle to the old one before the answer, then new to both").isEqualTo(3);
    }

    /**
     * The read that must not go backwards: a write still in flight has reached one replica, a read of two
     * replicas returns it, and a later read of the other two, which the write has not reached, still does,
     * because the first read wrote it to the second replica it read before answering.
     */
    @Test
    void aReadOfAWriteStillInFlightIsHeldByRReplicasBeforeItIsAnsweredSoALaterReadDoesNotGoBack() {
        Member inFlightHolder = replicas.get(0);
        Member behind = replicas.get(1);
        Member notYetReached = replicas.get(2);
        fixture.replicas.seed(inFlightHolder, KEY, value(200, "in flight"));
        fixture.replicas.seed(behind, KEY, value(100, "acknowledged"));
        fixture.replicas.seed(notYetReached, KEY, value(100, "acknowledged"));
        fixture.replicas.set(notYetReached, Mode.HELD);

        ReadResult first = fixture.reads.get(KEY, null).join();

        assertThat(new String(first.newest().orElseThrow().value())).isEqualTo("in flight");
        assertThat(new String(fixture.replicas.stored(behind, KEY).orElseThrow().value())).isEqualTo("in flight");
        fixture.replicas.release(notYetReached);
        fixture.replicas.set(inFlightHolder, Mode.HELD);

        CompletableFuture<ReadResult> later = fixture.reads.get(KEY, null);

        assertThat(later).as("answered while the only replica the write reached is held").isCompleted();
        assertThat(new String(later.join().newest().orElseThrow().value())).isEqualTo("in flight");
    }

    /** When R replicas cannot be made to hold the newest reply, answering it or the older one could both mislead. */
    @Test
    void aReadWhoseRepairBeforeTheAnswerFailsFailsAndSaysWhichReplicaCouldNotWrite() {
        fixture.replicas.seed(replicas.get(0), KEY, value(200, "newer"));
        fixture.replicas.seed(replicas.get(1), KEY, value(100, "older"));
        fixture.replicas.set(replicas.get(1), Mode.WRITES_FAILING);
        fixture.replicas.set(replicas.get(2), Mode.HELD);

        assertThatThrownBy(() -> fixture.reads.get(KEY, null).join())
                .cause().isInstanceOfSatisfying(ReadQuorumFailedException.class, failure -> {
                    assertThat(failure.reason()).isEqualTo(Reason.FAILED);
                    assertThat(failure.acks()).isEqualTo(1);
                    assertThat(failure.causes().get(replicas.get(1).id())).contains("cannot write");
                });
        assertThat(fixture.registry.get("quorumkv.reads").tag("outcome", "failed").counter().count()).isEqualTo(1);
    }

    /** A stale replica that sheds the repair write as overloaded is load shed too: the client is told to come back. */
    @Test
    void aReadWhoseRepairIsRefusedAsOverloadedFailsAsOverloaded() {
        fixture.replicas.seed(replicas.get(0), KEY, value(200, "newer"));
        fixture.replicas.seed(replicas.get(1), KEY, value(100, "older"));
        fixture.replicas.set(replicas.get(1), Mode.WRITES_OVERLOADED);
        fixture.replicas.set(replicas.get(2), Mode.HELD);

        assertThatThrownBy(() -> fixture.reads.get(KEY, null).join())
                .cause().isInstanceOfSatisfying(ReadQuorumFailedException.class,
                        failure -> assertThat(failure.reason()).isEqualTo(Reason.OVERLOADED));
        assertThat(fixture.count("quorumkv.reads", "overloaded")).isEqualTo(1);
        assertThat(fixture.count("quorumkv.reads", "failed")).isZero();
    }

    @Test
    void aReadWhoseFirstRRepliesAgreeWritesNothingBeforeItIsAnswered() {
        replicas.forEach(replica -> fixture.replicas.seed(replica, KEY, value(100, "v")));
        fixture.replicas.set(replicas.get(2), Mode.HELD);

        fixture.reads.get(KEY, null).join();

        assertThat(fixture.replicas.calls()).noneMatch(call -> call.startsWith("write:"));
    }

    /** Replicas that shed the read as overloaded cost it the quorum: the client is told to come back, not that replicas failed. */
    @Test
    void aReadRefusedByOverloadedReplicasFailsAsOverloaded() {
        replicas.forEach(replica -> fixture.replicas.seed(replica, KEY, value(100, "v")));
        fixture.replicas.set(replicas.get(1), Mode.OVERLOADED);
        fixture.replicas.set(replicas.get(2), Mode.OVERLOADED);

        assertThatThrownBy(() -> fixture.reads.get(KEY, null).join())
                .cause().isInstanceOfSatisfying(QuorumFailedException.class,
                        failure -> assertThat(failure.reason()).isEqualTo(Reason.OVERLOADED));
        assertThat(fixture.count("quorumkv.reads", "overloaded")).isEqualTo(1);
        assertThat(fixture.count("quorumkv.reads", "failed")).isZero();
    }

    /** Each value is asked for room as it arrives; one without room is let go and counts as its replica failing. */
    @Test
    void aReadWithRoomForTooFewRepliesFailsAsOverloadedAndIsCountedSo() {
        replicas.forEach(replica -> fixture.replicas.seed(replica, KEY, value(100, "v")));
        AtomicInteger asked = new AtomicInteger();

        assertThatThrownBy(() -> fixture.reads.get(KEY, null, value -> asked.incrementAndGet() == 1).join())
                .cause().isInstanceOfSatisfying(QuorumFailedException.class, failure -> {
                    assertThat(failure.reason()).isEqualTo(Reason.OVERLOADED);
                    assertThat(failure.acks()).isEqualTo(1);
                });
        assertThat(asked).as("every value that arrived was asked for room").hasValue(3);
        assertThat(fixture.count("quorumkv.reads", "overloaded")).isEqualTo(1);
        assertThat(fixture.count("quorumkv.reads", "success")).isZero();
        replicas.forEach(replica -> assertThat(fixture.failureDetector.isUp(replica)).isTrue());
    }

    /**
     * A client's room is given back once it is answered, so the slowest replica's value finds none: it is still an
     * answer, and when it is older than the answer that replica is repaired.
     */
    @Test
    void aReplyArrivingAfterTheAnswerWithoutRoomStillCountsAsAnAckAndItsReplicaIsRepaired() {
        Member slow = replicas.get(2);
        fixture.replicas.seed(replicas.get(0), KEY, value(200, "new"));
        fixture.replicas.seed(replicas.get(1), KEY, value(200, "new"));
        fixture.replicas.seed(slow, KEY, value(100, "old"));

        assertThat(readWithRoomForTwoRepliesReleasing(slow).found()).isTrue();

        assertThat(new String(fixture.replicas.stored(slow, KEY).orElseThrow().value())).isEqualTo("new");
        assertThat(fixture.registry.get("quorumkv.replica.requests").tag("peer", slow.id()).tag("op", "read")
                .tag("outcome", "rejected").counter().count()).isZero();
    }

    /** The late reply was the newest: its value is not held, so nothing is sent (anti-entropy brings it). */
    @Test
    void aNewerReplyArrivingAfterTheAnswerWithoutRoomRepairsNothing() {
        Member slow = replicas.get(2);
        fixture.replicas.seed(replicas.get(0), KEY, value(100, "old"));
        fixture.replicas.seed(replicas.get(1), KEY, value(100, "old"));
        fixture.replicas.seed(slow, KEY, value(200, "new"));

        assertThat(new String(readWithRoomForTwoRepliesReleasing(slow).newest().orElseThrow().value())).isEqualTo("old");

        assertThat(new String(fixture.replicas.stored(slow, KEY).orElseThrow().value())).isEqualTo("new");
        assertThat(fixture.registry.get("quorumkv.read.repairs").counter().count()).isZero();
    }

    /** A read with room for the first two values while {@code slow} is held; {@code slow} answers after it. */
    private ReadResult readWithRoomForTwoRepliesReleasing(Member slow) {
        fixture.replicas.set(slow, Mode.HELD);
        AtomicInteger asked = new AtomicInteger();
        ReadResult read = fixture.reads.get(KEY, null, value -> asked.incrementAndGet() <= 2).join();
        fixture.replicas.release(slow);
        assertThat(asked).as("every value that arrived was asked for room").hasValue(3);
        return read;
    }

    @Test
    void aReadWithRoomForRRepliesSucceedsAndAbsentKeysNeedNoRoom() {
        replicas.forEach(replica -> fixture.replicas.seed(replica, KEY, value(100, "v")));
        AtomicInteger asked = new AtomicInteger();

        assertThat(fixture.reads.get(KEY, null, value -> asked.incrementAndGet() <= 2).join().found()).isTrue();
        assertThat(fixture.reads.get("absent", null, value -> false).join().found()).isFalse();
    }

    @Test
    void readRepairsAMissingReplica() {
        fixture.replicas.seed(replicas.get(0), KEY, value(100, "v"));
        fixture.replicas.seed(replicas.get(1), KEY, value(100, "v"));

        ReadResult result = fixture.reads.get(KEY, 3).join();

        assertThat(result.found()).isTrue();
        assertThat(fixture.replicas.stored(replicas.get(2), KEY)).isPresent();
        assertThat(fixture.registry.get("quorumkv.read.repairs").counter().count()).isEqualTo(1);
    }

    @Test
    void readOfAMissingKeyIsNotFound() {
        ReadResult result = fixture.reads.get(KEY, null).join();

        assertThat(result.found()).isFalse();
        assertThat(result.newest()).isEmpty();
        assertThat(fixture.count("quorumkv.reads", "not_found")).isEqualTo(1);
    }

    @Test
    void readWhoseNewestVersionIsATombstoneIsNotFound() {
        replicas.forEach(replica -> fixture.replicas.seed(replica, KEY, value(100, "v")));
        fixture.replicas.seed(replicas.get(0), KEY, Versioned.tombstone(new Version(200, 0, "n2")));
        fixture.replicas.seed(replicas.get(1), KEY, Versioned.tombstone(new Version(200, 0, "n2")));

        ReadResult result = fixture.reads.get(KEY, 3).join();

        assertThat(result.found()).isFalse();
        assertThat(result.newest()).hasValueSatisfying(newest -> assertThat(newest.isTombstone()).isTrue());
    }

    @Test
    void aTombstonePastGcGraceIsNotReadRepairedToReplicasLackingTheKeyButStillToOlderOnes() {
        long pastGcGrace = fixture.time.wallMillis() - CoordinatorFixture.GC_GRACE.toMillis() - 1;
        fixture.replicas.seed(replicas.get(0), KEY, Versioned.tombstone(new Version(pastGcGrace, 0, "n2")));
        fixture.replicas.seed(replicas.get(1), KEY, value(100, "older"));

        ReadResult result = fixture.reads.get(KEY, 3).join();

        assertThat(result.found()).isFalse();
        assertThat(fixture.replicas.stored(replicas.get(1), KEY)).hasValueSatisfying(held -> assertThat(held.isTombstone()).isTrue());
        assertThat(fixture.replicas.stored(replicas.get(2), KEY)).as("purged there, maybe: never brought back").isEmpty();
    }

    @Test
    void aYoungTombstoneIsReadRepairedToReplicasLackingTheKey() {
        fixture.replicas.seed(replicas.get(0), KEY, Versioned.tombstone(new Version(fixture.time.wallMillis(), 0, "n2")));

        fixture.reads.get(KEY, 3).join();

        assertThat(fixture.replicas.stored(replicas.get(2), KEY)).isPresent();
    }

    @Test
    void readFailsWhenMoreThanNMinusRReplicasFail() {
        fixture.replicas.set(replicas.get(0), Mode.FAILING);
        fixture.replicas.set(replicas.get(1), Mode.FAILING);

        assertThatThrownBy(() -> fixture.reads.get(KEY, null).join()).cause()
                .isInstanceOfSatisfying(QuorumFailedException.class, failure -> {
                    assertThat(failure.reason()).isEqualTo(Reason.FAILED);
                    assertThat(failure.acks()).isEqualTo(1);
                });
        assertThat(fixture.count("quorumkv.reads", "failed")).isEqualTo(1);
    }

    @Test
    void readTimesOutWhenTooFewRepliesArriveInTime() {
        CoordinatorFixture quick = new CoordinatorFixture(3, N3_W2_R2, Duration.ofMillis(50));
        List<Member> keyReplicas = quick.replicasOf(KEY, 3);
        quick.replicas.set(keyReplicas.get(0), Mode.HELD);
        quick.replicas.set(keyReplicas.get(1), Mode.HELD);

        CompletableFuture<ReadResult> read = quick.reads.get(KEY, null);
        assertThat(read).as("the deadline has not passed yet").isNotDone();
        quick.time.advance(Duration.ofMillis(50));

        assertThatThrownBy(read::join).cause()
                .isInstanceOfSatisfying(QuorumFailedException.class,
                        failure -> assertThat(failure.reason()).isEqualTo(Reason.TIMEOUT));
        assertThat(quick.count("quorumkv.reads", "timeout")).isEqualTo(1);
    }

    @Test
    void readIsUnavailableWithNothingSentWhenTooFewReplicasAreKnownUp() {
        replicas.stream().filter(replica -> !replica.equals(fixture.cluster.self())).forEach(fixture::markDown);

        assertThatThrownBy(() -> fixture.reads.get(KEY, null).join()).cause()
                .isInstanceOfSatisfying(QuorumFailedException.class,
                        failure -> assertThat(failure.reason()).isEqualTo(Reason.UNAVAILABLE));
        assertThat(fixture.replicas.calls()).isEmpty();
        assertThat(fixture.reads.get(KEY, 1).join().acks()).as("r=1 can still be served locally").isEqualTo(1);
    }

    @Test
    void perRequestROutsideOneToNIsRefused() {
        assertThatThrownBy(() -> fixture.reads.get(KEY, 0)).isInstanceOf(InvalidQuorumException.class);
        assertThatThrownBy(() -> fixture.reads.get(KEY, 4)).isInstanceOf(InvalidQuorumException.class);
        assertThat(fixture.replicas.calls()).isEmpty();
    }

    /**
     * W + R > N: whichever replica missed the write and whichever one is slow at read time, the read
     * quorum overlaps the write quorum and sees the write.
     */
    @Test
    void readSeesTheAcknowledgedWriteWhateverReplicaMissedItAndWhicheverIsSlow() {
        for (Member missed : replicas) {
            for (Member slow : replicas) {
                String key = "ryw-" + missed.id() + "-" + slow.id();
                CoordinatorFixture cluster = new CoordinatorFixture(3, N3_W2_R2, Duration.ofMinutes(10));
                List<Member> keyReplicas = cluster.replicasOf(key, 3);
                Member missedReplica = keyReplicas.get(replicas.indexOf(missed));
                Member slowReplica = keyReplicas.get(replicas.indexOf(slow));
                cluster.replicas.seed(missedReplica, key, value(1, "stale"));
                cluster.replicas.set(missedReplica, Mode.HELD);
                var written = cluster.writes.put(key, "text/plain", bytes("fresh"), null, null).join();
                cluster.replicas.set(missedReplica, Mode.HEALTHY);  // its held write never lands
                cluster.replicas.set(slowReplica, Mode.HELD);

                CompletableFuture<ReadResult> read = cluster.reads.get(key, null);

                assertThat(read).as("missed %s, slow %s", missed, slow).isCompleted();
                assertThat(read.join().newest().orElseThrow().version()).isEqualTo(written.version());
            }
        }
    }

    private static Versioned value(long wallMillis, String text) {
        return Versioned.value(new Version(wallMillis, 0, "n1"), "text/plain", bytes(text));
    }
}
