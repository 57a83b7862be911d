package dev.quorumkv.replica;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.storage.KeyedValue;

/** A replica client that can also carry several writes in one call, for {@link BatchingReplicaClient}. */
interface BatchTransport extends ReplicaClient {

    /** Completes once the replica holds every write of the batch (or newer) in its write-ahead log. */
    CompletableFuture<Void> writeBatch(Member replica, List<KeyedValue> writes);
}
