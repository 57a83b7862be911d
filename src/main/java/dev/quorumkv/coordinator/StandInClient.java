package dev.quorumkv.coordinator;

import java.util.concurrent.CompletableFuture;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;

/**
 * How a coordinator asks a member that does not own a key to stand in for an owner that is down (a sloppy
 * quorum): to keep the write as a hint for that owner, and deliver it once the owner is up again. The
 * coordinator's port, implemented by the {@code replica} package (this node's own hints through a local
 * call, peers over HTTP) and by in-memory stand-ins in tests. Kept apart from {@link ReplicaClient}: a
 * stand-in holds the write for another member, it does not store it as a replica.
 */
public interface StandInClient {

    /**
     * Completes, with {@code value}'s version, once {@code standIn} holds {@code value} of {@code key} durably as
     * a hint for {@code owner}; exceptionally when it did not keep it (a {@link ReplicaOverloadedException}
     * when it had no room for it).
     */
    CompletableFuture<Version> hold(Member standIn, Member owner, String key, Versioned value);
}
