package dev.quorumkv.replica;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.time.ManualTimeSource;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BatchingReplicaClientTests {

    private final Member peer = new Member("b", null);
    private final HeldTransport transport = new HeldTransport();
    private final ManualTimeSource time = new ManualTimeSource();
    /** Spacing longer than any test and no gap: only an answer lets the next call leave, at once. */
    private final BatchingReplicaClient client = new BatchingReplicaClient(transport, time, Duration.ofHours(1), Duration.ZERO);

    @Test
    void aLoneWriteIsSentAtOnceAndAlone() {
        CompletableFuture<Version> acked = client.write(peer, "k", value(1));

        assertThat(transport.calls).hasSize(1);
        assertThat(transport.calls.get(0).writes()).extracting(KeyedValue::key).containsExactly("k");
        assertThat(transport.calls.get(0).batched()).isFalse();
        assertThat(acked).isNotDone();

        transport.calls.get(0).answer().complete(null);
        assertThat(acked).isCompleted();
    }

    @Test
    void writesArrivingWhileACallIsOnTheWireLeaveTogetherAsOneBatchWhenItReturns() {
        CompletableFuture<Version> first = client.write(peer, "solo", value(0));
        List<CompletableFuture<Version>> waiting = IntStream.range(0, 10)
                .mapToObj(i -> client.write(peer, "queued-" + i, value(i))).toList();
        assertThat(transport.calls).as("the first call is still out: the rest wait").hasSize(1);

        transport.calls.get(0).answer().complete(null);

        assertThat(first).isCompleted();
        assertThat(transport.calls).hasSize(2);
        HeldTransport.Call batch = transport.calls.get(1);
        assertThat(batch.batched()).isTrue();
        assertThat(batch.writes()).extracting(KeyedValue::key).containsExactlyElementsOf(
                IntStream.range(0, 10).mapToObj(i -> "queued-" + i).toList());
        assertThat(waiting).allMatch(write -> !write.isDone());

        batch.answer().complete(null);
        assertThat(waiting).allMatch(CompletableFuture::isDone);
    }

    @Test
    void writesThatQueuedBehindACallGatherUntilTheGapSinceThatCallHasPassed() {
        BatchingReplicaClient gapped = new BatchingReplicaClient(transport, time, Duration.ofHours(1), Duration.ofSeconds(1));
        gapped.write(peer, "solo", value(0));
        List<String> queued = IntStream.range(0, PeerCallQueue.GATHER_FROM).mapToObj(i -> "queued-" + i).toList();
        queued.forEach(key -> gapped.write(peer, key, value(1)));

        transport.calls.get(0).answer().complete(null);
        assertThat(transport.calls).as("answered within the gap: the queued writes still gather").hasSize(1);
        gapped.write(peer, "late", value(3));
        assertThat(transport.calls).as("a write arriving while others gather joins them").hasSize(1);

        time.advance(Duration.ofMillis(999));
        assertThat(transport.calls).as("the gap has not passed yet").hasSize(1);
        time.advance(Duration.ofMillis(1));
        assertThat(transport.calls).hasSize(2);
        List<String> expected = new ArrayList<>(queued);
        expected.add("late");
        assertThat(transport.calls.get(1).writes()).extracting(KeyedValue::key).containsExactlyElementsOf(expected);
    }

    @Test
    void aFewWritesQueuedBehindACallLeaveAtOnceWhenItReturnsEvenWithinTheGap() {
        BatchingReplicaClient gapped = new BatchingReplicaClient(transport, time, Duration.ofHours(1), Duration.ofHours(1));
        gapped.write(peer, "solo", value(0));
        IntStream.range(0, PeerCallQueue.GATHER_FROM - 1).forEach(i -> gapped.write(peer, "queued-" + i, value(i)));

        transport.calls.get(0).answer().complete(null);

        assertThat(transport.calls).as("light load: no gathering").hasSize(2);
        assertThat(transport.calls.get(1).writes()).hasSize(PeerCallQueue.GATHER_FROM - 1);
    }

    @Test
    void aWriteFindingTheQueueIdleLeavesAtOnceEvenWithinTheGap() {
        BatchingReplicaClient gapped = new BatchingReplicaClient(transport, time, Duration.ofHours(1), Duration.ofHours(1));
        gapped.write(peer, "first", value(0));
        transport.calls.get(0).answer().complete(null);

        gapped.write(peer, "second", value(1));

        assertThat(transport.calls).as("nothing was waiting: the second write is lone and is not delayed").hasSize(2);
        assertThat(transport.calls.get(1).writes()).extracting(KeyedValue::key).containsExactly("second");
    }

    @Test
    void waitingWritesLeaveOnceTheSpacingPassesEvenWhileThePeerHoldsItsAnswer() {
        BatchingReplicaClient spaced = new BatchingReplicaClient(transport, time, Duration.ofSeconds(1), Duration.ZERO);
        spaced.write(peer, "held", value(0));
        spaced.write(peer, "a", value(1));
        spaced.write(peer, "b", value(2));
        assertThat(transport.calls).as("within the spacing the writes wait").hasSize(1);

        time.advance(Duration.ofMillis(999));
        assertThat(transport.calls).as("the spacing has not passed yet").hasSize(1);
        time.advance(Duration.ofMillis(1));
        assertThat(transport.calls).hasSize(2);

        assertThat(transport.calls.get(0).answer()).as("the first call is still unanswered").isNotDone();
        assertThat(transport.calls.get(1).writes()).extracting(KeyedValue::key).containsExactly("a", "b");
    }

    @Test
    void withoutSpacingCallsPipelineUpToTheLimitAndTheRestWaitForAnAnswer() {
        BatchingReplicaClient unspaced = new BatchingReplicaClient(transport, time, Duration.ZERO, Duration.ZERO);
        IntStream.range(0, PeerCallQueue.MAX_IN_FLIGHT).forEach(i -> unspaced.write(peer, "solo-" + i, value(i)));
        unspaced.write(peer, "over-1", value(1));
        unspaced.write(peer, "over-2", value(2));
        assertThat(transport.calls).as("only the window is on the wire").hasSize(PeerCallQueue.MAX_IN_FLIGHT);

        transport.calls.get(5).answer().complete(null);

        assertThat(transport.calls).hasSize(PeerCallQueue.MAX_IN_FLIGHT + 1);
        assertThat(transport.calls.get(PeerCallQueue.MAX_IN_FLIGHT).writes()).extracting(KeyedValue::key)
                .containsExactly("over-1", "over-2");
    }

    @Test
    void aFailedBatchFailsEveryWriteInItAndTheQueueMovesOn() {
        client.write(peer, "solo", value(0));
        List<CompletableFuture<Version>> waiting = IntStream.range(0, 3).mapToObj(i -> client.write(peer, "q-" + i, value(i))).toList();
        transport.calls.get(0).answer().complete(null);

        transport.calls.get(1).answer().completeExceptionally(new IllegalStateException("500"));

        assertThat(waiting).allMatch(CompletableFuture::isCompletedExceptionally);
        CompletableFuture<Version> later = client.write(peer, "later", value(9));
        assertThat(transport.calls.get(transport.calls.size() - 1).writes()).extracting(KeyedValue::key).containsExactly("later");
        assertThat(later).isNotDone();
    }

    @Test
    void aBatchStopsGrowingAtItsByteLimit() {
        client.write(peer, "solo", value(0));
        byte[] big = new byte[InternalApi.MAX_BATCH_BYTES / 3];
        IntStream.range(0, 5).forEach(i -> client.write(peer, "big-" + i, Versioned.value(new Version(i, 0, "a"), "x/y", big)));

        transport.calls.get(0).answer().complete(null);

        assertThat(transport.calls.get(1).writes()).hasSizeLessThanOrEqualTo(3);
    }

    @Test
    void aLoneReadIsSentAtOnceAndAlone() {
        CompletableFuture<Optional<Versioned>> read = client.read(peer, "k");

        assertThat(transport.reads).hasSize(1);
        assertThat(transport.reads.get(0).keys()).containsExactly("k");
        assertThat(transport.reads.get(0).batched()).isFalse();
        assertThat(read).isNotDone();

        transport.reads.get(0).answer().complete(List.of(Optional.of(value(7))));
        assertThat(read.join()).map(Versioned::version).contains(value(7).version());
    }

    @Test
    void readsArrivingWhileAReadIsOnTheWireLeaveTogetherAndEachGetsItsOwnAnswer() {
        CompletableFuture<Optional<Versioned>> first = client.read(peer, "solo");
        List<CompletableFuture<Optional<Versioned>>> waiting = IntStream.range(0, 5)
                .mapToObj(i -> client.read(peer, "queued-" + i)).toList();
        assertThat(transport.reads).as("the first read is still out: the rest wait").hasSize(1);

        transport.reads.get(0).answer().complete(List.of(Optional.empty()));

        assertThat(first.join()).isEmpty();
        assertThat(transport.reads).hasSize(2);
        HeldTransport.Read batch = transport.reads.get(1);
        assertThat(batch.batched()).isTrue();
        assertThat(batch.keys()).containsExactly("queued-0", "queued-1", "queued-2", "queued-3", "queued-4");
        assertThat(waiting).noneMatch(CompletableFuture::isDone);

        batch.answer().complete(List.of(Optional.of(value(0)), Optional.empty(), Optional.of(value(2)), Optional.of(value(3)), Optional.empty()));
        assertThat(waiting).extracting(read -> read.join().map(Versioned::version)).containsExactly(
                Optional.of(value(0).version()), Optional.empty(), Optional.of(value(2).version()), Optional.of(value(3).version()),
                Optional.empty());
    }

    @Test
    void readsOfOneKeyQueuedTogetherAskItOnceAndShareItsAnswer() {
        client.read(peer, "solo");
        List<CompletableFuture<Optional<Versioned>>> hot = IntStream.range(0, 4).mapToObj(i -> client.read(peer, "hot")).toList();
        CompletableFuture<Optional<Versioned>> other = client.read(peer, "other");
        transport.reads.get(0).answer().complete(List.of(Optional.empty()));

        HeldTransport.Read batch = transport.reads.get(1);
        assertThat(batch.keys()).containsExactly("hot", "other");
        batch.answer().complete(List.of(Optional.of(value(5)), Optional.empty()));

        Versioned shared = hot.get(0).join().orElseThrow();
        assertThat(shared.version()).isEqualTo(value(5).version());
        assertThat(hot).extracting(read -> read.join().orElseThrow()).allSatisfy(answer -> assertThat(answer).isSameAs(shared));
        assertThat(other.join()).isEmpty();
    }

    @Test
    void readsAndWritesQueueSeparatelySoAHeldWriteDoesNotHoldARead() {
        client.write(peer, "held", value(0));
        client.write(peer, "waiting", value(1));

        client.read(peer, "k");

        assertThat(transport.calls).as("the second write waits for the first").hasSize(1);
        assertThat(transport.reads).as("the read leaves at once").hasSize(1);
    }

    @Test
    void aReadBatchThatFailsOrAnswersTheWrongNumberOfKeysFailsEveryReadInIt() {
        client.read(peer, "solo");
        List<CompletableFuture<Optional<Versioned>>> failed = List.of(client.read(peer, "a"), client.read(peer, "b"));
        transport.reads.get(0).answer().complete(List.of(Optional.empty()));
        transport.reads.get(1).answer().completeExceptionally(new IllegalStateException("500"));
        assertThat(failed).allMatch(CompletableFuture::isCompletedExceptionally);

        client.read(peer, "solo-2");
        List<CompletableFuture<Optional<Versioned>>> miscounted = List.of(client.read(peer, "c"), client.read(peer, "d"));
        transport.reads.get(2).answer().complete(List.of(Optional.empty()));
        transport.reads.get(3).answer().complete(List.of(Optional.of(value(1))));

        assertThat(miscounted).allMatch(CompletableFuture::isCompletedExceptionally);
    }

    @Test
    void eachCallNamesTheEpochItsRequestsWereRoutedWithAndABatchTheOldest() {
        client.write(peer, "lone", value(0), 7);
        assertThat(transport.calls.get(0).epoch()).isEqualTo(7);

        client.write(peer, "a", value(1), 7);
        client.write(peer, "hint", value(2)); // not routed by a placement: names no epoch
        client.write(peer, "late", value(3), 5);
        transport.calls.get(0).answer().complete(null);

        assertThat(transport.calls.get(1).batched()).isTrue();
        assertThat(transport.calls.get(1).epoch()).as("the oldest routed epoch: a stale request is never let through").isEqualTo(5);

        client.read(peer, "k", 7);
        client.read(peer, "k2", 6);
        client.read(peer, "k3", 7);
        transport.reads.get(0).answer().complete(List.of(Optional.empty()));

        assertThat(transport.reads.get(0).epoch()).isEqualTo(7);
        assertThat(transport.reads.get(1).epoch()).isEqualTo(6);
    }

    private static Versioned value(int i) {
        return Versioned.value(new Version(1_000 + i, 0, "a"), "text/plain", ("v" + i).getBytes(StandardCharsets.UTF_8));
    }

    /** Records every call, with the epoch it names, and leaves it pending until the test answers it. */
    static final class HeldTransport implements BatchTransport {

        record Call(List<KeyedValue> writes, boolean batched, CompletableFuture<Void> answer, long epoch) {
        }

        record Read(List<String> keys, boolean batched, CompletableFuture<List<Optional<Versioned>>> answer, long epoch) {
        }

        final List<Call> calls = new CopyOnWriteArrayList<>();
        final List<Read> reads = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<Version> write(Member replica, String key, Versioned value) {
            return write(replica, key, value, NO_EPOCH);
        }

        @Override
        public CompletableFuture<Version> write(Member replica, String key, Versioned value, long epoch) {
            Call call = new Call(List.of(new KeyedValue(key, value)), false, new CompletableFuture<>(), epoch);
            calls.add(call);
            return call.answer().thenApply(acked -> value.version());
        }

        @Override
        public CompletableFuture<List<Version>> writeBatch(Member replica, List<KeyedValue> writes, long epoch) {
            Call call = new Call(List.copyOf(writes), true, new CompletableFuture<>(), epoch);
            calls.add(call);
            return call.answer().thenApply(acked -> writes.stream().map(write -> write.value().version()).toList());
        }

        @Override
        public CompletableFuture<Optional<Versioned>> read(Member replica, String key) {
            return read(replica, key, NO_EPOCH);
        }

        @Override
        public CompletableFuture<Optional<Versioned>> read(Member replica, String key, long epoch) {
            Read read = new Read(List.of(key), false, new CompletableFuture<>(), epoch);
            reads.add(read);
            return read.answer().thenApply(answers -> answers.get(0));
        }

        @Override
        public CompletableFuture<List<Optional<Versioned>>> readBatch(Member replica, List<String> keys, long epoch) {
            Read read = new Read(List.copyOf(keys), true, new CompletableFuture<>(), epoch);
            reads.add(read);
            return read.answer();
        }

        @Override
        public CompletableFuture<Void> probe(Member replica) {
            throw new UnsupportedOperationException();
        }
    }
}
