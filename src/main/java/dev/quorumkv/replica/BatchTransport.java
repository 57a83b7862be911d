package dev.quorumkv.replica;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.ReplicaClient;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;

/** A replica client that can also carry several writes, or several reads, in one call, for {@link BatchingReplicaClient}. */
interface BatchTransport extends ReplicaClient {

    /**
     * Completes once the replica holds every write of the batch (or newer) in its write-ahead log, with the
     * version it holds for each, in order.
     *
     * @param epoch the oldest epoch the batch's writes were routed with, or {@link #NO_EPOCH}
     */
    CompletableFuture<List<Version>> writeBatch(Member replica, List<KeyedValue> writes, long epoch);

    /**
     * The replica's newest version of each key, in the order of {@code keys}; empty where it holds none.
     *
     * @param epoch the oldest epoch the batch's reads were routed with, or {@link #NO_EPOCH}
     */
    CompletableFuture<List<Optional<Versioned>>> readBatch(Member replica, List<String> keys, long epoch);
}
