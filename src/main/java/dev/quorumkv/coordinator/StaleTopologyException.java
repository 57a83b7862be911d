package dev.quorumkv.coordinator;

/**
 * The replica refused the call because it was routed with a placement more than one epoch older than the
 * replica's own (a coordinator that was paused while holding it): the replica is alive and stored nothing. Never
 * an ack, never a reason to mark the replica down; the coordinator retries the operation once its own placement
 * has reached {@link #replicaEpoch()}.
 */
public class StaleTopologyException extends ReplicaRejectedException {

    private final long replicaEpoch;

    public StaleTopologyException(String message, long replicaEpoch) {
        super(message);
        this.replicaEpoch = replicaEpoch;
    }

    /**
     * The rule every replica applies: a call routed at {@code routedEpoch} is stale at a replica at
     * {@code replicaEpoch} when it is more than one epoch behind. Adjacent epochs are compatible by construction
     * (a membership change advances a phase only once every member has applied the current one), and 0 on
     * either side (a call not routed by a placement, a node before the cluster formed) is never stale.
     */
    public static boolean isStale(long routedEpoch, long replicaEpoch) {
        return routedEpoch > 0 && replicaEpoch > 0 && routedEpoch < replicaEpoch - 1;
    }

    /** The epoch the replica was at when it refused. */
    public long replicaEpoch() {
        return replicaEpoch;
    }
}
