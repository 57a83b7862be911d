package dev.quorumkv.membership.ratis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.TimeDuration;

/** {@link RaftLogSettings} in Ratis's terms: its properties and the client's retry policy. */
final class RatisSettings {

    /** The longest one attempt of a client request waits before it is retried (Ratis's default). */
    private static final Duration ATTEMPT_TIMEOUT_MAX = Duration.ofSeconds(3);
    private static final TimeDuration ELECTION_TIMEOUT_MIN = TimeDuration.valueOf(1, TimeUnit.SECONDS);
    private static final TimeDuration ELECTION_TIMEOUT_MAX = TimeDuration.valueOf(2, TimeUnit.SECONDS);
    /** AppendEntries requests a leader keeps in flight to one follower (see {@link #properties}). */
    static final int LEADER_OUTSTANDING_APPENDS = 1;
    private static final TimeDuration RETRY_SLEEP = TimeDuration.valueOf(100, TimeUnit.MILLISECONDS);

    private RatisSettings() {
    }

    static RaftProperties properties(RaftLogSettings settings) {
        RaftProperties properties = new RaftProperties();
        RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
        RaftLogSettings.HostPort listen = RaftLogSettings.HostPort.parse(settings.address());
        GrpcConfigKeys.Server.setHost(properties, listen.host());
        GrpcConfigKeys.Server.setPort(properties, listen.port());
        // One AppendEntries in flight per follower, not Ratis's 8. Ratis 3.1.3's follower chains its log appends in
        // one future (RaftServerImpl.appendLog: updateAndGet(f -> f.thenCompose(append))); two requests arriving
        // together both run their append on the completed future at once, the second fails ("Already running a
        // method"), and the chain stays failed: every later append fails with it and the member never applies another
        // entry until it restarts. reliability/scale saw a joining node wedged so, holding its join in STREAMING for
        // ever. The topology log carries a few small entries a minute: pipelining gains it nothing.
        GrpcConfigKeys.Server.setLeaderOutstandingAppendsMax(properties, LEADER_OUTSTANDING_APPENDS);

        // Ratis's default election timeout, 150 to 300 ms, is lost to one long GC pause of a busy node (the tests saw
        // 0.4 s on two cores) and then the leader changes for nothing. The topology changes rarely: 1 to 2 s, as etcd.
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties, ELECTION_TIMEOUT_MIN);
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties, ELECTION_TIMEOUT_MAX);

        RaftServerConfigKeys.setStorageDir(properties, List.of(settings.dataDir().toFile()));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, settings.snapshotThreshold());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, 2);
        // Entries the newest snapshot holds may go from the log (whole closed segments only).
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);

        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, attemptTimeout(settings));
        return properties;
    }

    static TimeDuration attemptTimeout(RaftLogSettings settings) {
        Duration attempt = settings.requestTimeout().compareTo(ATTEMPT_TIMEOUT_MAX) < 0 ? settings.requestTimeout()
                : ATTEMPT_TIMEOUT_MAX;
        return TimeDuration.valueOf(attempt.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Retry every request (to the next peer, or the leader a follower names) every 100 ms until the request timeout:
     * Ratis's client would otherwise retry for ever, and a submit without a quorum would never end.
     */
    static RetryPolicy retryPolicy(RaftLogSettings settings) {
        TimeDuration timeout = TimeDuration.valueOf(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        RequestTypeDependentRetryPolicy.Builder policy = RequestTypeDependentRetryPolicy.newBuilder();
        for (RaftClientRequestProto.TypeCase type : RaftClientRequestProto.TypeCase.values()) {
            policy.setRetryPolicy(type, RetryPolicies.retryForeverWithSleep(RETRY_SLEEP)).setTimeout(type, timeout);
        }
        return policy.build();
    }
}
