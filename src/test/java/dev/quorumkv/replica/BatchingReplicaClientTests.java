package dev.quorumkv.replica;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class BatchingReplicaClientTests {

    private final Member peer = new Member("b", null);
    private final HeldTransport transport = new HeldTransport();
    /** Spacing longer than any test: only an answer lets the next call leave. */
    private final BatchingReplicaClient client = new BatchingReplicaClient(transport, Duration.ofHours(1));

    @Test
    void aLoneWriteIsSentAtOnceAndAlone() {
        CompletableFuture<Void> acked = client.write(peer, "k", value(1));

        assertThat(transport.calls).hasSize(1);
        assertThat(transport.calls.get(0).writes()).extracting(KeyedValue::key).containsExactly("k");
        assertThat(transport.calls.get(0).batched()).isFalse();
        assertThat(acked).isNotDone();

        transport.calls.get(0).answer().complete(null);
        assertThat(acked).isCompleted();
    }

    @Test
    void writesArrivingWhileACallIsOnTheWireLeaveTogetherAsOneBatchWhenItReturns() {
        CompletableFuture<Void> first = client.write(peer, "solo", value(0));
        List<CompletableFuture<Void>> waiting = IntStream.range(0, 10)
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
    void waitingWritesLeaveOnceTheSpacingPassesEvenWhileThePeerHoldsItsAnswer() {
        BatchingReplicaClient spaced = new BatchingReplicaClient(transport, Duration.ofSeconds(1));
        spaced.write(peer, "held", value(0));
        spaced.write(peer, "a", value(1));
        spaced.write(peer, "b", value(2));
        assertThat(transport.calls).as("within the spacing the writes wait").hasSize(1);

        await().atMost(Duration.ofSeconds(20)).until(() -> transport.calls.size() == 2);

        assertThat(transport.calls.get(0).answer()).as("the first call is still unanswered").isNotDone();
        assertThat(transport.calls.get(1).writes()).extracting(KeyedValue::key).containsExactly("a", "b");
    }

    @Test
    void withoutSpacingCallsPipelineUpToTheLimitAndTheRestWaitForAnAnswer() {
        BatchingReplicaClient unspaced = new BatchingReplicaClient(transport, Duration.ZERO);
        IntStream.range(0, BatchingReplicaClient.MAX_IN_FLIGHT).forEach(i -> unspaced.write(peer, "solo-" + i, value(i)));
        unspaced.write(peer, "over-1", value(1));
        unspaced.write(peer, "over-2", value(2));
        assertThat(transport.calls).as("only the window is on the wire").hasSize(BatchingReplicaClient.MAX_IN_FLIGHT);

        transport.calls.get(5).answer().complete(null);

        assertThat(transport.calls).hasSize(BatchingReplicaClient.MAX_IN_FLIGHT + 1);
        assertThat(transport.calls.get(BatchingReplicaClient.MAX_IN_FLIGHT).writes()).extracting(KeyedValue::key)
                .containsExactly("over-1", "over-2");
    }

    @Test
    void aFailedBatchFailsEveryWriteInItAndTheQueueMovesOn() {
        client.write(peer, "solo", value(0));
        List<CompletableFuture<Void>> waiting = IntStream.range(0, 3).mapToObj(i -> client.write(peer, "q-" + i, value(i))).toList();
        transport.calls.get(0).answer().complete(null);

        transport.calls.get(1).answer().completeExceptionally(new IllegalStateException("500"));

        assertThat(waiting).allMatch(CompletableFuture::isCompletedExceptionally);
        CompletableFuture<Void> later = client.write(peer, "later", value(9));
        assertThat(transport.calls.get(transport.calls.size() - 1).writes()).extracting(KeyedValue::key).containsExactly("later");
        assertThat(later).isNotDone();
    }

    @Test
    void aBatchStopsGrowingAtItsByteLimit() {
        client.write(peer, "solo", value(0));
        byte[] big = new byte[BatchingReplicaClient.MAX_BATCH_BYTES / 3];
        IntStream.range(0, 5).forEach(i -> client.write(peer, "big-" + i, Versioned.value(new Version(i, 0, "a"), "x/y", big)));

        transport.calls.get(0).answer().complete(null);

        assertThat(transport.calls.get(1).writes()).hasSizeLessThanOrEqualTo(3);
    }

    private static Versioned value(int i) {
        return Versioned.value(new Version(1_000 + i, 0, "a"), "text/plain", ("v" + i).getBytes(StandardCharsets.UTF_8));
    }

    /** Records every call and leaves it pending until the test answers it. */
    static final class HeldTransport implements BatchTransport {

        record Call(List<KeyedValue> writes, boolean batched, CompletableFuture<Void> answer) {
        }

        final List<Call> calls = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<Void> write(Member replica, String key, Versioned value) {
            Call call = new Call(List.of(new KeyedValue(key, value)), false, new CompletableFuture<>());
            calls.add(call);
            return call.answer();
        }

        @Override
        public CompletableFuture<Void> writeBatch(Member replica, List<KeyedValue> writes) {
            Call call = new Call(List.copyOf(writes), true, new CompletableFuture<>());
            calls.add(call);
            return call.answer();
        }

        @Override
        public CompletableFuture<Optional<Versioned>> read(Member replica, String key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Void> probe(Member replica) {
            throw new UnsupportedOperationException();
        }
    }
}
