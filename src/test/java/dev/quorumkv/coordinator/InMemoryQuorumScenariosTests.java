package dev.quorumkv.coordinator;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.FakeReplicas.Mode;
import dev.quorumkv.coordinator.QuorumReadService.ReadResult;
import dev.quorumkv.coordinator.QuorumWriteService.WriteResult;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.time.ManualTimeSource;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Timeout;

/** The quorum scenarios on in-memory replicas, three real coordinators and time moved by hand. */
@Timeout(30)
class InMemoryQuorumScenariosTests extends QuorumScenarios {

    private final InMemoryNetwork network = new InMemoryNetwork();

    @Override
    protected QuorumNetwork network() {
        return network;
    }

    /** {@link FakeReplicas} for the replicas; per node a coordinator with its own failure detector, prober and clock. */
    static final class InMemoryNetwork implements QuorumNetwork {

        private static final Duration TIMEOUT = Duration.ofSeconds(1);
        private static final Duration PROBE_INTERVAL = Duration.ofMillis(100);
        private static final long NOW = 1_767_225_600_000L;

        private final List<Member> members = CoordinatorFixture.members(3);
        private final FakeReplicas replicas = new FakeReplicas(members);
        private final CoordinatorFixture[] nodes = new CoordinatorFixture[3];

        InMemoryNetwork() {
            long[] wallOffsets = {SKEW.toMillis(), 0, -SKEW.toMillis()};
            for (int i = 0; i < 3; i++) {
                nodes[i] = new CoordinatorFixture(members, replicas, members.get(i).id(), new Quorum(3, 2, 2), TIMEOUT,
                        new ManualTimeSource(NOW + wallOffsets[i]));
                new PeerProber(nodes[i].cluster, nodes[i].failureDetector, member -> false, replicas, nodes[i].time, PROBE_INTERVAL).start();
            }
        }

        @Override
        public CompletableFuture<Answer> put(int coordinator, String key, String value, Integer w, String context) {
            return written(() -> node(coordinator).writes.put(key, "text/plain", value.getBytes(StandardCharsets.UTF_8), w,
                    context == null ? null : Version.parse(context)));
        }

        @Override
        public CompletableFuture<Answer> delete(int coordinator, String key, Integer w) {
            return written(() -> node(coordinator).writes.delete(key, w, null));
        }

        @Override
        public CompletableFuture<Answer> get(int coordinator, String key, Integer r) {
            return answered(() -> node(coordinator).reads.get(key, r), InMemoryNetwork::read);
        }

        @Override
        public Optional<Stored> stored(int node, String key) {
            return replicas.stored(members.get(node - 1), key).map(held -> new Stored(held.version().toString(),
                    held.isTombstone() ? null : new String(held.value(), StandardCharsets.UTF_8)));
        }

        @Override
        public void stop(int node) {
            replicas.set(members.get(node - 1), Mode.FAILING);
        }

        @Override
        public void kill(int node) {
            replicas.failHeld(members.get(node - 1));
            replicas.set(members.get(node - 1), Mode.FAILING);
        }

        @Override
        public void restart(int node) {
            replicas.set(members.get(node - 1), Mode.HEALTHY);
            elapse(PROBE_INTERVAL); // the peers' probers find it answering again
        }

        @Override
        public void hold(int node) {
            replicas.set(members.get(node - 1), Mode.HELD);
        }

        @Override
        public void release(int node) {
            replicas.release(members.get(node - 1));
        }

        @Override
        public void elapse(Duration time) {
            for (CoordinatorFixture node : nodes) {
                node.time.advance(time);
            }
        }

        @Override
        public Duration timeout() {
            return TIMEOUT;
        }

        @Override
        public void healAll() {
            members.forEach(replicas::release);
            elapse(PROBE_INTERVAL);
        }

        private CoordinatorFixture node(int node) {
            return nodes[node - 1];
        }

        private static CompletableFuture<Answer> written(Supplier<CompletableFuture<WriteResult>> write) {
            return answered(write, result -> new Answer(200, result.version().toString(), result.acks(), null, null));
        }

        private static Answer read(ReadResult result) {
            Optional<Versioned> newest = result.newest();
            String version = newest.map(held -> held.version().toString()).orElse(null);
            return result.found()
                    ? new Answer(200, version, result.acks(), new String(newest.get().value(), StandardCharsets.UTF_8), null)
                    : new Answer(404, version, result.acks(), null, null);
        }

        /** A result as the client API would answer it: invalid input 400, a quorum not reached 503. */
        private static <T> CompletableFuture<Answer> answered(Supplier<CompletableFuture<T>> call,
                Function<T, Answer> ok) {
            CompletableFuture<T> result;
            try {
                result = call.get();
            }
            catch (InvalidInputException invalid) {
                return CompletableFuture.completedFuture(new Answer(400, null, 0, null, null));
            }
            return result.handle((value, failure) -> {
                if (failure == null) {
                    return ok.apply(value);
                }
                QuorumFailedException quorumFailure = (QuorumFailedException) ReplicaOutcome.unwrap(failure);
                return new Answer(503, null, quorumFailure.acks(), null, quorumFailure.reason().label());
            });
        }
    }
}
