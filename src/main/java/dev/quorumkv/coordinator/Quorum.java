package dev.quorumkv.coordinator;

import dev.quorumkv.InvalidConfigurationException;
import dev.quorumkv.InvalidInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The replication contract in force: N replicas per key, W acks per write, R replies per read. */
public record Quorum(int n, int w, int r) {

    private static final Logger log = LoggerFactory.getLogger(Quorum.class);

    public Quorum {
        if (n < 1 || w < 1 || r < 1 || w > n || r > n) {
            throw new IllegalArgumentException("need 1 <= w <= n and 1 <= r <= n, got n=" + n + " w=" + w + " r=" + r);
        }
    }

    /**
     * The configured quorum, checked and fitted to the cluster: W or R above N is a mistake and stops the
     * node; N, W, R above the cluster size are capped (a 1-node laptop run with the 3/2/2 defaults works).
     */
    public static Quorum fromConfiguration(ReplicationProperties properties, int clusterSize) {
        if (properties.w() > properties.n() || properties.r() > properties.n()) {
            throw new InvalidConfigurationException("quorumkv.replication.w (" + properties.w() + ") and .r ("
                    + properties.r() + ") must not exceed quorumkv.replication.n (" + properties.n() + ")");
        }
        int n = Math.min(properties.n(), clusterSize);
        int w = Math.min(properties.w(), n);
        int r = Math.min(properties.r(), n);
        if (n < properties.n()) {
            log.warn("quorumkv.replication n/w/r {}/{}/{} capped to {}/{}/{}: the cluster has only {} member(s)",
                    properties.n(), properties.w(), properties.r(), n, w, r, clusterSize);
        }
        Quorum quorum = new Quorum(n, w, r);
        if (!quorum.isStrong()) {
            log.warn("W + R <= N ({} + {} <= {}): reads may miss acknowledged writes (eventual consistency)", w, r, n);
        }
        return quorum;
    }

    /** W + R > N: every read quorum overlaps every write quorum, so reads see acknowledged writes. */
    public boolean isStrong() {
        return w + r > n;
    }

    /** The write quorum for one request: {@code ?w=} if given, checked against N. */
    public int writeQuorum(Integer requested) {
        return checked("w", requested, w);
    }

    /** The read quorum for one request: {@code ?r=} if given, checked against N. */
    public int readQuorum(Integer requested) {
        return checked("r", requested, r);
    }

    private int checked(String name, Integer requested, int fallback) {
        if (requested == null) {
            return fallback;
        }
        if (requested < 1 || requested > n) {
            throw new InvalidQuorumException(name, requested, n);
        }
        return requested;
    }

    /** A per-request quorum outside 1..N. */
    public static class InvalidQuorumException extends InvalidInputException {

        InvalidQuorumException(String name, int requested, int n) {
            super("Invalid quorum", name + "=" + requested + " is out of range: it must be between 1 and N (" + n + ")");
        }
    }
}
