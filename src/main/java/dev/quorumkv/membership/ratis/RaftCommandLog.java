package dev.quorumkv.membership.ratis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.ExitUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a Raft group (Apache Ratis) that replicates opaque commands and applies them, in one order on every
 * member, with the caller's deterministic {@link ReplicatedState}.
 * <p>
 * <b>Bootstrapping.</b> The group is formed once, from a fixed list of peers ({@link RaftLogSettings#bootstrap}), the
 * same list on each of them. Every later member starts outside the group ({@link RaftLogSettings#joining}) and is
 * brought in on a member of the group, one change at a time: as a voter by {@link #addPeer}, up to
 * {@link RaftLogSettings#MAX_MEMBERS} of them, or as a listener by {@link #addListener(String, String)}, any number,
 * which takes the log and applies it but votes for nothing (neither for a leader nor towards a commit) until
 * {@link #promote} makes it a voter. Either catches up from the leader's newest snapshot and the log after it. From
 * then on its storage holds the group's configuration, and a restart ignores the peers it is given.
 * <p>
 * <b>Storage.</b> {@link RaftLogSettings#dataDir()} (a directory of its own) holds the log, snapshots of the state and
 * the last committed configuration, under a directory named by the group id; a restart recovers from it.
 * <p>
 * <b>Threads.</b> Futures complete and listeners run on one thread of this member's, in log order: blocking there
 * delays the next ones but never the log.
 */
public final class RaftCommandLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RaftCommandLog.class);

    private final RaftLogSettings settings;
    private final RaftGroupId groupId;
    private final RaftPeerId self;
    private final CommandStateMachine stateMachine;
    private final ExecutorService callbacks;
    private final RaftServer server;
    private final RaftClient client;
    private final Submissions submissions;
    private final ConfigurationChanges configurationChanges;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RaftCommandLog(RaftLogSettings settings, CommandStateMachine stateMachine, ExecutorService callbacks,
            RaftServer server, RaftClient client) {
        this.settings = settings;
        this.groupId = groupIdOf(settings.clusterName());
        this.self = RaftPeerId.valueOf(settings.memberId());
        this.stateMachine = stateMachine;
        this.callbacks = callbacks;
        this.server = server;
        this.client = client;
        this.submissions = new Submissions(settings, client, stateMachine, callbacks);
        this.configurationChanges = new ConfigurationChanges(settings, client, this::currentGroup);
    }

    /**
     * Starts this member: recovers from its storage, or forms the group with {@code settings.initialPeers()}, or (with
     * none) waits to be added. Returns once its server listens; a leader may not be elected yet.
     */
    public static RaftCommandLog start(RaftLogSettings settings, ReplicatedState replicated) throws IOException {
        RatisProcessGuard.apply();
        RaftGroupId groupId = groupIdOf(settings.clusterName());
        RaftPeerId self = RaftPeerId.valueOf(settings.memberId());
        List<RaftPeer> initial = new ArrayList<>();
        settings.initialPeers().forEach((id, address) -> initial.add(peer(id, address)));
        ExecutorService callbacks = Executors.newSingleThreadExecutor(daemonThreads("raft-log-" + self + "-callbacks"));
        CommandStateMachine stateMachine = new CommandStateMachine(replicated, callbacks);
        RaftServer server = null;
        try {
            server = RaftServer.newBuilder()
                    .setServerId(self)
                    .setGroup(RaftGroup.valueOf(groupId, initial))
                    .setStateMachine(stateMachine)
                    .setProperties(RatisSettings.properties(settings))
                    .setOption(RaftStorage.StartupOption.RECOVER)
                    .build();
            server.start();
            RaftClient client = RaftClient.newBuilder()
                    .setProperties(RatisSettings.properties(settings))
                    .setRaftGroup(RaftGroup.valueOf(groupId, peer(settings.memberId(), settings.address())))
                    .setRetryPolicy(RatisSettings.retryPolicy(settings))
                    .build();
            log.info("Raft log member {} of group {} ({}) listens at {}, storage {}", self, groupId,
                    settings.clusterName(), settings.address(), settings.dataDir());
            return new RaftCommandLog(settings, stateMachine, callbacks, server, client);
        }
        catch (IOException | RuntimeException ex) {
            if (server != null) {
                closeQuietly(server);
            }
            callbacks.shutdownNow();
            if (ex instanceof ExitUtils.ExitException) {
                // Ratis's "cannot start" (its gRPC server could not listen), thrown now that it may not exit.
                throw new IOException("Raft log member " + self + " cannot listen at " + settings.address(), ex);
            }
            throw ex;
        }
    }

    /** The group id every member of a cluster derives from its name. */
    static RaftGroupId groupIdOf(String clusterName) {
        return RaftGroupId.valueOf(
                UUID.nameUUIDFromBytes(("quorumkv-raft-log/" + clusterName).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Submits a command through the leader, from any member. Completes with the state right after the command once it
     * is committed and this member has applied it (so {@link #state()} here reflects it then; a member that fell
     * behind is warned about and not waited for past the request timeout). Completes exceptionally with
     * {@link CommandRefusedException} when the state refused it, or {@link RaftLogUnavailableException} when it could
     * not be committed within the request timeout (no leader, no quorum, closed): its outcome is then unknown.
     */
    public CompletableFuture<byte[]> submit(byte[] command) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new RaftLogUnavailableException(this + " is closed"));
        }
        return submissions.submit(command);
    }

    /** This member's applied state (it may lag the leader's). */
    public byte[] state() {
        return stateMachine.state();
    }

    /** The log index of the last entry this member applied (commands and Raft's own entries); -1 before any. */
    public long appliedIndex() {
        return stateMachine.appliedIndex();
    }

    /**
     * Calls {@code listener} with each new state this member applies, in log order: after each accepted command, and
     * after a snapshot is loaded (at start or installed from the leader). Not after a refused command.
     */
    public void addListener(Consumer<byte[]> listener) {
        stateMachine.addListener(listener);
    }

    /**
     * The voting members as this member knows them: id to address. Empty while a joining member waits; a listener is
     * not among them ({@link #listeners()}).
     */
    public Map<String, String> peers() {
        return byId(currentGroup().voters());
    }

    /** The members that take the log without voting, as this member knows them: id to address. */
    public Map<String, String> listeners() {
        return byId(currentGroup().listeners());
    }

    private static Map<String, String> byId(List<RaftPeer> peers) {
        Map<String, String> byId = new LinkedHashMap<>();
        peers.forEach(peer -> byId.put(peer.getId().toString(), peer.getAddress()));
        return byId;
    }

    /** The leader this member knows of, if any. */
    public Optional<String> leaderId() {
        return Optional.ofNullable(division().getInfo().getLeaderId()).map(RaftPeerId::toString);
    }

    public String memberId() {
        return settings.memberId();
    }

    /**
     * Adds a voting member, which must be started ({@link RaftLogSettings#joining}) and reachable at {@code address}:
     * returns once the leader caught it up and committed the new configuration. Nothing happens when it is a voter at
     * that address already; a listener at that address is promoted.
     *
     * @throws IllegalStateException the group has {@link RaftLogSettings#MAX_MEMBERS} voters, or its configuration
     *         changed meanwhile (another change won; look again and retry)
     * @throws RaftLogUnavailableException the change did not complete within the request timeout
     */
    public void addPeer(String id, String address) {
        configurationChanges.add(id, address);
    }

    /**
     * Adds a listener, which must be started ({@link RaftLogSettings#joining}) and reachable at {@code address}: the
     * leader sends it the log, which it applies like a voter, but it votes for nothing, so it neither helps nor hinders
     * a commit or an election. Returns once the new configuration is committed. Nothing happens when it is a member
     * (voter or listener) at that address already.
     *
     * @throws IllegalStateException the configuration changed meanwhile (look again and retry)
     * @throws RaftLogUnavailableException the change did not complete within the request timeout
     */
    public void addListener(String id, String address) {
        configurationChanges.addListener(id, address);
    }

    /**
     * Makes a listener a voter: returns once the new configuration is committed. Nothing happens when it votes
     * already.
     * <p>
     * Ratis 3.1.3 does not change the role of a running server when it is promoted (RATIS-2378, fixed in 3.2.2): a
     * listener that was added fresh runs in the follower role already and votes at once, but one that has restarted
     * as a listener keeps refusing to vote, or to stand, until its next restart. Its appends count towards commits
     * either way.
     *
     * @throws IllegalArgumentException it is not a listener of the group
     * @throws IllegalStateException the group has {@link RaftLogSettings#MAX_MEMBERS} voters, or its configuration
     *         changed meanwhile
     * @throws RaftLogUnavailableException the change did not complete within the request timeout
     */
    public void promote(String id) {
        configurationChanges.promote(id);
    }

    /**
     * Removes a member, voter or listener (this one too): returns once the new configuration is committed. The
     * removed member's log stops following the group; close it. Nothing happens when {@code id} is not a member.
     *
     * @throws IllegalStateException it is the last voter, or the configuration changed meanwhile
     * @throws RaftLogUnavailableException the change did not complete within the request timeout
     */
    public void removePeer(String id) {
        configurationChanges.remove(id);
    }

    /**
     * Whether this member's Raft server must start again from its storage to run in the role the group's committed
     * configuration gives it. Ratis (3.1.3, and 3.2 for the first case) sets a server's role when it starts, from the
     * configuration in its storage, and never changes it between a voter's and a listener's afterwards:
     * <ul>
     * <li>a member added as a listener while it runs keeps the follower role it waited in, and at the first election
     * timeout without a leader it stands for election, finds itself in no voter list and shuts itself down for good
     * ({@code LeaderElection}'s NOT_IN_CONF), so it would stop learning the topology;</li>
     * <li>a listener promoted to voter keeps the listener role (RATIS-2378): it refuses every vote and never stands.</li>
     * </ul>
     * Started again, it reads its role from the configuration it stored.
     */
    boolean outOfRole() {
        if (closed.get()) {
            return false;
        }
        RaftServer.Division division = division();
        RaftConfiguration conf = division.getRaftConf();
        boolean listener = conf.getCurrentPeers(RaftPeerRole.LISTENER).stream().anyMatch(p -> p.getId().equals(self));
        boolean voter = conf.getCurrentPeers(RaftPeerRole.FOLLOWER).stream().anyMatch(p -> p.getId().equals(self));
        if (!division.getInfo().isAlive()) {
            return listener;
        }
        if (!conf.getPreviousPeers().isEmpty() || appliedIndex() < conf.getLogEntryIndex()) {
            return false; // a change under way, or not committed here yet
        }
        RaftPeerRole role = division.getInfo().getCurrentRole();
        return listener && role != RaftPeerRole.LISTENER || voter && role == RaftPeerRole.LISTENER;
    }

    boolean isClosed() {
        return closed.get();
    }

    RaftLogSettings settings() {
        return settings;
    }

    /** Takes a snapshot of this member's state now; returns its log index. */
    public long takeSnapshot() {
        try {
            RaftClientReply reply = client.getSnapshotManagementApi(self)
                    .create(true, settings.requestTimeout().toMillis());
            if (!reply.isSuccess()) {
                throw new RaftLogUnavailableException("snapshot failed: " + reply.getException(), reply.getException());
            }
            return reply.getLogIndex();
        }
        catch (IOException ex) {
            throw new RaftLogUnavailableException("snapshot failed: " + ex, ex);
        }
    }

    /** The index of the newest snapshot this member holds, taken here or installed from the leader; -1 for none. */
    long snapshotIndex() {
        return stateMachine.snapshotIndex();
    }

    private ConfigurationChanges.Group currentGroup() {
        RaftConfiguration conf = division().getRaftConf();
        return new ConfigurationChanges.Group(List.copyOf(conf.getCurrentPeers(RaftPeerRole.FOLLOWER)),
                List.copyOf(conf.getCurrentPeers(RaftPeerRole.LISTENER)));
    }

    private RaftServer.Division division() {
        try {
            return server.getDivision(groupId);
        }
        catch (IOException ex) {
            throw new RaftLogUnavailableException(self + " has no division for group " + groupId + ": " + ex, ex);
        }
    }

    static RaftPeer peer(String id, String address) {
        return RaftPeer.newBuilder().setId(id).setAddress(address).build();
    }

    /** Stops this member's client and server; what it waits for fails as unavailable. Its storage stays. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeQuietly(client);
        submissions.close();
        closeQuietly(server);
        stateMachine.failWaiters(new RaftLogUnavailableException(this + " is closed"));
        callbacks.shutdown();
        try {
            if (!callbacks.awaitTermination(5, TimeUnit.SECONDS)) {
                callbacks.shutdownNow();
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            callbacks.shutdownNow();
        }
        log.info("Raft log member {} closed", self);
    }

    static ThreadFactory daemonThreads(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        }
        catch (Exception ex) {
            log.warn("Closing {} failed", closeable, ex);
        }
    }

    @Override
    public String toString() {
        return "RaftCommandLog[" + settings.memberId() + "@" + settings.address() + "]";
    }
}
