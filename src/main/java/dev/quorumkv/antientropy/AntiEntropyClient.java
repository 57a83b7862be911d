package dev.quorumkv.antientropy;

import java.util.concurrent.CompletableFuture;

import dev.quorumkv.cluster.Member;

/**
 * How an exchange asks a peer for its side ({@link AntiEntropyReplica} on the peer), whatever the transport:
 * anti-entropy's port, implemented over HTTP by the {@code replica} package and in memory by tests. Calls
 * never block the caller.
 */
public interface AntiEntropyClient {

    CompletableFuture<long[]> roots(Member peer);

    CompletableFuture<long[]> segments(Member peer, int partition);

    CompletableFuture<StampPage> stamps(Member peer, SegmentSelection selection, String after);
}
