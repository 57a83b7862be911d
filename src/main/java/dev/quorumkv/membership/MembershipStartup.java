package dev.quorumkv.membership;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import dev.quorumkv.InvalidConfigurationException;
import dev.quorumkv.time.TimeSource;
import dev.quorumkv.time.TimeSource.Scheduled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * This node takes its place in the topology when it starts (DESIGN.md, "Membership"): it forms the cluster from the
 * configured members if nobody has ({@link TopologyLog#bootstrapIfEmpty}), then claims its place with its host id
 * ({@link Claim}), or, when the place is another host id's (its data directory is new: a lost disk), comes back as its
 * own replacement ({@link Replace}). A node whose host id has LEFT refuses to start: its data is out of date.
 *
 * <p>Start-up does not wait for the log: forming the cluster needs a majority of the first members, which may not be up
 * yet. Each attempt that fails (no majority within the log's timeout, another change running) is tried again after
 * {@code retryDelay} until the place is taken; meanwhile {@link #waitingFor()} says what for, and the node is not ready
 * ({@link MembershipHealthIndicator}). A restarted node whose log already holds its claim has its place at once.
 */
public final class MembershipStartup implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(MembershipStartup.class);

    private final TopologyLog topologyLog;
    private final Bootstrap firstTopology;
    private final String selfId;
    private final URI selfUrl;
    private final UUID hostId;
    private final TimeSource time;
    private final Duration retryDelay;
    private final JoinRequester joinRequester;
    private volatile String waitingFor = "the start";
    private volatile String lastFailure;
    private volatile boolean placed;
    private volatile boolean retired;
    private Scheduled nextAttempt;
    private boolean running;

    /**
     * @param firstTopology the topology formed from {@code quorumkv.cluster.members} if the log is empty
     * @param selfUrl       where peers reach this node (null for a single-node store)
     */
    public MembershipStartup(TopologyLog topologyLog, Bootstrap firstTopology, String selfId, URI selfUrl, UUID hostId,
            TimeSource time, Duration retryDelay) {
        this(topologyLog, firstTopology, selfId, selfUrl, hostId, time, retryDelay, null);
    }

    /**
     * @param joinRequester how a node that is not among the first members asks to be added (auto-join); null: such a
     *                      node waits for an operator to add it
     */
    public MembershipStartup(TopologyLog topologyLog, Bootstrap firstTopology, String selfId, URI selfUrl, UUID hostId,
            TimeSource time, Duration retryDelay, JoinRequester joinRequester) {
        this.topologyLog = Objects.requireNonNull(topologyLog, "topologyLog");
        this.firstTopology = Objects.requireNonNull(firstTopology, "firstTopology");
        this.selfId = Objects.requireNonNull(selfId, "selfId");
        this.selfUrl = selfUrl;
        this.hostId = Objects.requireNonNull(hostId, "hostId");
        this.time = time;
        this.retryDelay = retryDelay;
        this.joinRequester = joinRequester;
    }

    /**
     * Stops start-up when the topology this node already holds (from its log's storage) says its host id has LEFT: it
     * must not serve its out-of-date data again.
     *
     * @throws InvalidConfigurationException its host id has LEFT
     */
    public void refuseIfRetired() {
        Topology topology = topologyLog.current();
        if (topology.retiredHostIds().contains(hostId)) {
            throw retiredRefusal(topology);
        }
    }

    /**
     * One attempt to take this node's place: completes with a topology where it holds it (this host id), or fails
     * with why not (the log unavailable, a refusal, or {@link InvalidConfigurationException} for a retired host id).
     */
    public CompletableFuture<Topology> takePlace() {
        if (!isFirstMember() && topologyLog.current().isEmpty()) {
            return askToBeAdded();
        }
        return topologyLog.bootstrapIfEmpty(firstTopology).thenCompose(this::claimOrReplace);
    }

    private boolean isFirstMember() {
        return firstTopology.members().stream().anyMatch(member -> member.id().equals(selfId));
    }

    /**
     * A joiner's log is empty until the leader adds it to the Raft group, which it does once the join has committed:
     * until then this node asks a contact point to begin the join (a repeat is answered "a member already"), and the
     * attempt fails so that it is made again.
     */
    private CompletableFuture<Topology> askToBeAdded() {
        if (joinRequester == null) {
            waitingFor = "an operator to add it (POST /admin/members) and the log's leader to add it to the Raft group";
            return CompletableFuture.failedFuture(new IllegalStateException("not added yet"));
        }
        waitingFor = "its join to commit and the log's leader to add it to the Raft group";
        return joinRequester.requestJoin(selfId, selfUrl, hostId).thenCompose(asked -> CompletableFuture.failedFuture(
                new IllegalStateException("join requested; waiting for the topology log to reach this node")));
    }

    private CompletableFuture<Topology> claimOrReplace(Topology topology) {
        if (topology.retiredHostIds().contains(hostId)) {
            return CompletableFuture.failedFuture(retiredRefusal(topology));
        }
        Optional<TopologyMember> place = topology.member(selfId).filter(member -> member.state() != MemberState.LEFT);
        if (place.isEmpty()) {
            return CompletableFuture.failedFuture(new TopologyChangeRefusedException(TopologyChangeRefusedException.Kind.CONFLICT,
                    selfId + " is not a member of the cluster (epoch " + topology.epoch() + "): add it with POST /admin/members"));
        }
        TopologyMember member = place.get();
        if (hostId.equals(member.hostId())) {
            return CompletableFuture.completedFuture(topology);
        }
        if (!member.claimed()) {
            waitingFor = "its claim on its place to commit";
            return topologyLog.submit(new Claim(selfId, hostId));
        }
        waitingFor = "its replacement of host " + member.hostId() + " to commit (its data directory is new)";
        return topologyLog.submit(new Replace(selfId, hostId, selfUrl));
    }

    /** Whether this node holds its place under its host id (it may still be JOINING, as a replacement). */
    public boolean placed() {
        return placed;
    }

    /** What start-up waits for, while {@link #placed()} is false, and why the last attempt failed. */
    public String waitingFor() {
        String failure = lastFailure;
        return failure == null || placed ? waitingFor : waitingFor + " (last attempt: " + failure + ")";
    }

    public UUID hostId() {
        return hostId;
    }

    public String selfId() {
        return selfId;
    }

    @Override
    public synchronized void start() {
        running = true;
        waitingFor = "the topology log: forming the cluster needs a majority of its first members";
        schedule(Duration.ZERO);
    }

    @Override
    public synchronized void stop() {
        running = false;
        if (nextAttempt != null) {
            nextAttempt.cancel();
            nextAttempt = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return running;
    }

    private synchronized void schedule(Duration delay) {
        if (running && !placed && !retired) {
            nextAttempt = time.schedule(delay, this::attempt);
        }
    }

    private void attempt() {
        CompletableFuture<Topology> attempt;
        try {
            attempt = takePlace();
        }
        catch (RuntimeException ex) {
            attempt = CompletableFuture.failedFuture(ex);
        }
        attempt.whenComplete((topology, failure) -> {
            if (failure == null) {
                placed = true;
                waitingFor = "nothing";
                log.info("{} holds its place with host id {} at epoch {} ({})", selfId, hostId, topology.epoch(),
                        topology.member(selfId).map(TopologyMember::state).orElseThrow());
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof InvalidConfigurationException) {
                retired = true;
                waitingFor = cause.getMessage();
                log.error("{}", cause.getMessage());
                return;
            }
            lastFailure = cause.getMessage();
            log.info("{} has not taken its place yet ({}); trying again in {}", selfId, cause.getMessage(), retryDelay);
            schedule(retryDelay);
        });
    }

    private InvalidConfigurationException retiredRefusal(Topology topology) {
        return new InvalidConfigurationException("this node's data directory (host id " + hostId + ") has LEFT the cluster"
                + " (topology epoch " + topology.epoch() + "): its data is out of date and must never be served again."
                + " Start " + selfId + " with an empty quorumkv.storage.dir to come back as a new host");
    }
}
