package dev.quorumkv.membership.ratis;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How to start one member of a {@link RaftCommandLog}.
 *
 * @param clusterName       names the group: every member of one cluster gives the same name (the Raft group id is
 *                          derived from it), and a member of another cluster cannot join by mistake
 * @param memberId          this member's id, unique in the group (the node id)
 * @param address           {@code host:port} this member's Raft server listens on and its peers reach it at
 * @param initialPeers      id to address of the members that form the group the first time, this one among them, the
 *                          same on each; empty for a member that is to be added to an existing group by
 *                          {@link RaftCommandLog#addPeer}. Ignored once the storage holds the group: its configuration
 *                          is then the one last committed.
 * @param dataDir           where the log, its snapshots and the group configuration are kept, across restarts
 * @param requestTimeout    how long a submit or a configuration change may take before it fails as unavailable
 * @param snapshotThreshold a snapshot is taken every this many applied entries (the log before it may then go)
 */
public record RaftLogSettings(String clusterName, String memberId, String address, Map<String, String> initialPeers,
        Path dataDir, Duration requestTimeout, long snapshotThreshold) {

    /** The most voting members a group may have. */
    public static final int MAX_MEMBERS = 5;

    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    static final long DEFAULT_SNAPSHOT_THRESHOLD = 1024;

    public RaftLogSettings {
        requireText(clusterName, "clusterName");
        requireText(memberId, "memberId");
        HostPort.parse(address);
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive: " + requestTimeout);
        }
        if (snapshotThreshold < 1) {
            throw new IllegalArgumentException("snapshotThreshold must be at least 1: " + snapshotThreshold);
        }
        initialPeers = Map.copyOf(new LinkedHashMap<>(Objects.requireNonNull(initialPeers, "initialPeers")));
        if (initialPeers.size() > MAX_MEMBERS) {
            throw new IllegalArgumentException("at most " + MAX_MEMBERS + " initial peers: " + initialPeers.keySet());
        }
        initialPeers.forEach((id, peerAddress) -> {
            requireText(id, "peer id");
            HostPort.parse(peerAddress);
        });
        if (!initialPeers.isEmpty() && !address.equals(initialPeers.get(memberId))) {
            throw new IllegalArgumentException("initialPeers must hold this member, " + memberId + "=" + address
                    + ": " + initialPeers);
        }
    }

    /** A member of the group formed the first time from {@code peers} (this one among them). */
    public static RaftLogSettings bootstrap(String clusterName, String memberId, Map<String, String> peers,
            Path dataDir) {
        String address = Objects.requireNonNull(peers, "peers").get(memberId);
        if (address == null) {
            throw new IllegalArgumentException("peers must hold this member, " + memberId + ": " + peers.keySet());
        }
        return new RaftLogSettings(clusterName, memberId, address, peers, dataDir, DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_SNAPSHOT_THRESHOLD);
    }

    /** A member that starts outside the group and waits to be added by {@link RaftCommandLog#addPeer}. */
    public static RaftLogSettings joining(String clusterName, String memberId, String address, Path dataDir) {
        return new RaftLogSettings(clusterName, memberId, address, Map.of(), dataDir, DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_SNAPSHOT_THRESHOLD);
    }

    public RaftLogSettings withRequestTimeout(Duration timeout) {
        return new RaftLogSettings(clusterName, memberId, address, initialPeers, dataDir, timeout, snapshotThreshold);
    }

    public RaftLogSettings withSnapshotThreshold(long threshold) {
        return new RaftLogSettings(clusterName, memberId, address, initialPeers, dataDir, requestTimeout, threshold);
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank() || !value.strip().equals(value)) {
            throw new IllegalArgumentException(name + " must be non-blank without surrounding spaces: '" + value + "'");
        }
    }

    /** {@code host:port}, the form Ratis takes a peer's address in. */
    record HostPort(String host, int port) {

        static HostPort parse(String address) {
            Objects.requireNonNull(address, "address");
            int colon = address.lastIndexOf(':');
            if (colon <= 0 || colon == address.length() - 1) {
                throw new IllegalArgumentException("address must be host:port: '" + address + "'");
            }
            int port;
            try {
                port = Integer.parseInt(address.substring(colon + 1));
            }
            catch (NumberFormatException e) {
                throw new IllegalArgumentException("address must be host:port: '" + address + "'", e);
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range in '" + address + "'");
            }
            return new HostPort(address.substring(0, colon), port);
        }
    }
}
