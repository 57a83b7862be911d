package dev.quorumkv.replica;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PeerPathWarmUpTests {

    private final Member self = new Member("a", URI.create("http://a.example:8080"));
    private final List<Member> members = List.of(self, new Member("b", URI.create("http://b.example:8080")));
    private final Cluster cluster = new Cluster(self, members, PartitionMap.striped(members, 8, members.size()));

    @Test
    void readsTheReservedKeyFromThisNodeOverLoopbackSingleAndBatchedAndWritesNothing() {
        RecordingTransport transport = new RecordingTransport(false);

        new PeerPathWarmUp(cluster, transport, null).warmUp(8123);

        assertThat(transport.calls).isNotEmpty()
                .allMatch(call -> call.startsWith("read a http://127.0.0.1:8123 ") || call.startsWith("readBatch a http://127.0.0.1:8123 "))
                .anyMatch(call -> call.startsWith("readBatch"))
                .allMatch(call -> call.endsWith(PeerPathWarmUp.KEY + "]"));
        assertThat(transport.writes).isZero();
    }

    @Test
    void usesTheServersBindAddressWhenOneIsSet() {
        RecordingTransport transport = new RecordingTransport(false);

        new PeerPathWarmUp(cluster, transport, "::1").warmUp(8123);

        assertThat(transport.calls).allMatch(call -> call.contains(" http://[::1]:8123 "));
    }

    @Test
    void aFailingCallEndsTheWarmUpWithoutThrowing() {
        RecordingTransport transport = new RecordingTransport(true);

        new PeerPathWarmUp(cluster, transport, null).warmUp(8123);

        assertThat(transport.calls).hasSize(1);
    }

    private static final class RecordingTransport implements BatchTransport {

        final List<String> calls = new CopyOnWriteArrayList<>();
        final boolean failing;
        int writes;

        RecordingTransport(boolean failing) {
            this.failing = failing;
        }

        @Override
        public CompletableFuture<Optional<Versioned>> read(Member replica, String key) {
            calls.add("read " + replica.id() + " " + replica.url() + " [" + key + "]");
            return failing ? CompletableFuture.failedFuture(new IllegalStateException("connection refused"))
                    : CompletableFuture.completedFuture(Optional.empty());
        }

        @Override
        public CompletableFuture<List<Optional<Versioned>>> readBatch(Member replica, List<String> keys, long epoch) {
            calls.add("readBatch " + replica.id() + " " + replica.url() + " " + keys);
            return CompletableFuture.completedFuture(keys.stream().map(key -> Optional.<Versioned>empty()).toList());
        }

        @Override
        public CompletableFuture<Version> write(Member replica, String key, Versioned value) {
            writes++;
            return CompletableFuture.completedFuture(value.version());
        }

        @Override
        public CompletableFuture<List<Version>> writeBatch(Member replica, List<KeyedValue> writes, long epoch) {
            this.writes++;
            return CompletableFuture.completedFuture(writes.stream().map(write -> write.value().version()).toList());
        }

        @Override
        public CompletableFuture<Void> probe(Member replica) {
            return CompletableFuture.completedFuture(null);
        }
    }
}
