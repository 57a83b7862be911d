package dev.quorumkv.coordinator;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Three nodes, N=3 W=2 R=2, as the quorum scenarios see them, whatever carries the calls: in-memory replicas
 * under manual time, or real nodes over HTTP. Node 1's wall clock runs {@link #SKEW} ahead, node 3's as
 * far behind, node 2's is right. Answers use HTTP's vocabulary on both: 200, 404, 400, 503.
 */
interface QuorumNetwork {

    Duration SKEW = Duration.ofSeconds(5);

    /** What a client got back. {@code reason} is set on a 503; {@code value} on a 200 read. */
    record Answer(int status, String version, int acks, String value, String reason) {
    }

    /** What one node's own store holds for a key; {@code value} is null for a tombstone. */
    record Stored(String version, String value) {
    }

    /** @param context an {@code X-Context}, or null */
    CompletableFuture<Answer> put(int coordinator, String key, String value, Integer w, String context);

    CompletableFuture<Answer> delete(int coordinator, String key, Integer w);

    CompletableFuture<Answer> get(int coordinator, String key, Integer r);

    Optional<Stored> stored(int node, String key);

    /** Graceful stop: its peers' calls are refused. */
    void stop(int node);

    /** A crash: calls on their way to it fail, and it stops without finishing anything. */
    void kill(int node);

    /** Starts a stopped or killed node on its own data and waits until its peers use it again. */
    void restart(int node);

    /** Calls to the node's replica wait, unanswered, until {@link #release}. */
    void hold(int node);

    /** Held calls reach the replica now, in order. */
    void release(int node);

    /** Lets {@code time} pass for requests already sent: by hand in memory, by waiting on real nodes. */
    void elapse(Duration time);

    /** The replication timeout in force. */
    Duration timeout();

    /** Every node running, nothing held, every peer seen up: the state each scenario starts from. */
    void healAll();
}
