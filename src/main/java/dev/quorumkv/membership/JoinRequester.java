package dev.quorumkv.membership;

import java.net.URI;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Port: a node that joins by itself asks the cluster, through one of its contact points, to add it (the admin API's
 * {@code POST /admin/members}). It is not a member of the topology log yet, so it cannot submit the join itself.
 */
public interface JoinRequester {

    /**
     * Completes once a contact point has begun the join or answered that this node is a member already; fails with
     * why none did.
     */
    CompletableFuture<Void> requestJoin(String id, URI url, UUID hostId);
}
