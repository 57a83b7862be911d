package dev.quorumkv.replica;

import java.util.concurrent.CompletableFuture;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.StandInClient;
import dev.quorumkv.handoff.StandInHints;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;

/** Has this node stand in through a local call to its own hints, and every other member over HTTP. */
class RoutingStandInClient implements StandInClient {

    private final Cluster cluster;
    private final StandInHints local;
    private final StandInClient remote;

    RoutingStandInClient(Cluster cluster, StandInHints local, StandInClient remote) {
        this.cluster = cluster;
        this.local = local;
        this.remote = remote;
    }

    @Override
    public CompletableFuture<Version> hold(Member standIn, Member owner, String key, Versioned value) {
        return cluster.isSelf(standIn) ? local.holdLater(owner, key, value) : remote.hold(standIn, owner, key, value);
    }
}
