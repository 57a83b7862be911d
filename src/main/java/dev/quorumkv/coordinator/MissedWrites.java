package dev.quorumkv.coordinator;

import java.util.concurrent.CompletableFuture;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.storage.Versioned;

/**
 * Where the coordinator reports a write a replica of the key did not take: its call failed, timed out on the
 * transport, was refused as overloaded, or was never sent because the replica is marked down. The
 * coordinator's port, implemented by hinted handoff, which keeps the write to deliver later. It decides
 * nothing about the quorum: a reported write never counts toward W.
 */
public interface MissedWrites {

    /**
     * {@code replica} missed {@code value} of {@code key}. Completes, never exceptionally, once what is to be
     * kept of it has been kept: until then the write's value is still held in memory.
     */
    CompletableFuture<Void> missed(Member replica, String key, Versioned value);
}
