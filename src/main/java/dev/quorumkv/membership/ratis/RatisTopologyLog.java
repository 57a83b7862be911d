package dev.quorumkv.membership.ratis;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import dev.quorumkv.membership.Bootstrap;
import dev.quorumkv.membership.Topology;
import dev.quorumkv.membership.TopologyChange;
import dev.quorumkv.membership.TopologyChangeRefusedException;
import dev.quorumkv.membership.TopologyCodec;
import dev.quorumkv.membership.TopologyLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static dev.quorumkv.membership.TopologyChangeRefusedException.Kind.CONFLICT;

/**
 * The topology log of a cluster: {@link TopologyLog} over a {@link RaftCommandLog}, one per member of the Raft group.
 * <p>
 * <b>Log entries carry the resulting topology, not the command.</b> A member that submits a change computes it
 * itself, {@code next = change.apply(current())}, and submits a compare-and-set: "replace the topology at this epoch
 * with {@code next}" ({@link TopologyState}). Were the command replicated instead, every member would compute the next
 * topology with its own code, and during a rolling upgrade that changed the placement code ({@code PartitionMap})
 * members replaying the same command would reach different maps at the same epoch. With the result replicated, one
 * member's code decides each epoch, and every member holds the same bytes.
 * <p>
 * <b>Submitting.</b> A change the topology refuses ({@link TopologyChangeRefusedException}) fails at once, and nothing
 * is submitted; it is judged on this member's {@link #current()}, which may lag the leader by a moment. A
 * compare-and-set refused because the epoch moved (another change committed first: this member's view was stale) is
 * retried: once this member has applied the epoch the refusal named (within the request timeout), the change is computed
 * again from that topology and submitted again, up to {@link #ATTEMPTS} attempts in all. Computed again, the change may
 * now be refused by the topology (another change is running: CONFLICT), and fails with that; a member that has not caught
 * up in time, or a topology that kept moving, fails with CONFLICT too. In every refused case nothing was changed by this
 * submit. A {@link RaftLogUnavailableException} (no quorum within the request timeout, or closed) fails the future as
 * it is: the outcome is then unknown, the entry may still commit. Submitting the change again is safe, the epochs see
 * to it: a repeat computed on the topology before the first one is refused by the compare-and-set if the first one
 * committed, and is then computed again on the topology after it, which refuses the change itself (a second
 * {@code Join} of the same member as already a member, an {@code AdvancePhase} for an old epoch as stale); so a change
 * applies at most once.
 * <p>
 * <b>Reading.</b> {@link #current()} is a volatile read of the topology decoded once per applied state, by the listener
 * this log registers on the Raft log; once a submit here completes, it shows the change (or a later one).
 * {@link #onCommit} listeners hear each newer topology in epoch order, on the Raft log's callback thread; a member that
 * installs a snapshot from the leader (it was far behind) skips the epochs in between. A state this version cannot
 * decode (a newer member wrote a newer format) leaves {@code current()} at the last topology it could read, and is
 * logged.
 * <p>
 * <b>Forming the cluster.</b> The first members start with the same peers ({@link RaftLogSettings#bootstrap}), and
 * any of them may call {@link #bootstrapIfEmpty}: the compare-and-set from epoch 0 lets only the first commit.
 */
public final class RatisTopologyLog implements TopologyLog {

    private static final Logger log = LoggerFactory.getLogger(RatisTopologyLog.class);

    /** How many times a change is computed and submitted before a moving topology fails it. */
    static final int ATTEMPTS = 3;

    /** Replaced only by {@link #restartIfOutOfRole}, under {@code restartLock}. */
    private volatile RaftCommandLog raft;
    /** Not {@code this}: {@link #advance} holds that on the Raft log's callback thread, which closing waits for. */
    private final Object restartLock = new Object();
    private final Duration catchUpTimeout;
    private final List<Consumer<Topology>> listeners = new CopyOnWriteArrayList<>();
    private final EpochWaiters epochWaiters = new EpochWaiters();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Topology current = Topology.empty();

    private RatisTopologyLog(RaftCommandLog raft, Duration catchUpTimeout) {
        this.raft = raft;
        this.catchUpTimeout = catchUpTimeout;
    }

    /**
     * Starts this member's Raft log with the topology as its state (see {@link RaftCommandLog#start}); returns once its
     * server listens, with {@link #current()} at what it has applied from its storage so far.
     */
    public static RatisTopologyLog start(RaftLogSettings settings) throws IOException {
        RaftCommandLog raft = RaftCommandLog.start(settings, new TopologyState());
        RatisTopologyLog topologyLog = new RatisTopologyLog(raft, settings.requestTimeout());
        raft.addListener(topologyLog::applied);
        topologyLog.applied(raft.state()); // what it applied before the listener was there: a snapshot, replayed entries
        return topologyLog;
    }

    @Override
    public Topology current() {
        return current;
    }

    @Override
    public CompletableFuture<Topology> submit(TopologyChange change) {
        Objects.requireNonNull(change, "change");
        return attempt(change, 1);
    }

    /**
     * Forms the cluster with {@code bootstrap} unless it is formed already: completes with the topology formed, by
     * this member or another. When another member's bootstrap committed first, that one stands, whatever this member's
     * would have made (a difference at epoch 1 is logged as a warning: the members were started with different
     * lists), so every first member may call this at its first start.
     */
    @Override
    public CompletableFuture<Topology> bootstrapIfEmpty(Bootstrap bootstrap) {
        Topology now = current;
        if (!now.isEmpty()) {
            return CompletableFuture.completedFuture(formedByAnother(now, bootstrap));
        }
        return submit(bootstrap).exceptionallyCompose(failure -> {
            Throwable cause = unwrap(failure);
            Topology formed = current;
            if (cause instanceof TopologyChangeRefusedException refused && refused.kind() == CONFLICT && !formed.isEmpty()) {
                return CompletableFuture.completedFuture(formedByAnother(formed, bootstrap));
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    @Override
    public void onCommit(Consumer<Topology> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Closes this member's Raft log (its storage stays); submissions afterwards, and those waiting, fail. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (restartLock) {
            raft.close();
        }
        epochWaiters.failAll(new RaftLogUnavailableException(this + " is closed"));
    }

    /** The Raft log underneath, for the tests (leader, peers, stop and restart). */
    @Override
    public boolean leads() {
        return raft.leaderId().filter(raft.memberId()::equals).isPresent();
    }

    RaftCommandLog raftLog() {
        return raft;
    }

    /**
     * Starts this member's Raft log again from its storage when its server runs in another role than the group's
     * configuration gives it ({@link RaftCommandLog#outOfRole}): a listener added while it ran, a listener promoted.
     * Its submits under way fail as unavailable (their outcome unknown, as for any restart); the topology stays as it
     * was applied, and goes on from the log. A start that failed is tried again at the next call.
     */
    void restartIfOutOfRole() {
        synchronized (restartLock) {
            if (closed.get() || !raft.isClosed() && !raft.outOfRole()) {
                return;
            }
            RaftLogSettings settings = raft.settings();
            log.info("{}: the Raft server runs out of the role the group gives it; starting it again from its storage",
                    this);
            raft.close();
            RaftCommandLog started;
            try {
                started = RaftCommandLog.start(settings, new TopologyState());
            }
            catch (IOException ex) {
                throw new RaftLogUnavailableException(this + " could not start its Raft log again: " + ex, ex);
            }
            started.addListener(this::applied);
            raft = started;
        }
        applied(raft.state());
    }

    private CompletableFuture<Topology> attempt(TopologyChange change, int attempt) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new RaftLogUnavailableException(this + " is closed"));
        }
        Topology base = current;
        Topology next;
        try {
            next = change.apply(base);
        }
        catch (RuntimeException refusedOrBug) {
            return CompletableFuture.failedFuture(refusedOrBug);
        }
        return raft.submit(TopologyState.entry(base.epoch(), next))
                .thenApply(state -> {
                    // The Raft log completes once this member has applied the entry, but may do so before its listener
                    // has run: advance here too, so that current() shows the change when its submit completes.
                    advance(next);
                    return next;
                })
                .exceptionallyCompose(failure -> retryIfStale(change, attempt, unwrap(failure)));
    }

    private CompletableFuture<Topology> retryIfStale(TopologyChange change, int attempt, Throwable failure) {
        if (!(failure instanceof CommandRefusedException refused)) {
            return CompletableFuture.failedFuture(failure);
        }
        OptionalLong movedTo = TopologyState.movedTo(refused.reason());
        if (movedTo.isEmpty()) { // not for a stale epoch: a member that cannot read this member's entry
            return CompletableFuture.failedFuture(new TopologyChangeRefusedException(CONFLICT,
                    "the topology log refused " + change + ": " + refused.reason()));
        }
        if (attempt >= ATTEMPTS) {
            return CompletableFuture.failedFuture(new TopologyChangeRefusedException(CONFLICT, "the topology moved on "
                    + ATTEMPTS + " times while " + change + " was submitted (" + refused.reason()
                    + "); read the topology again"));
        }
        log.debug("{} was computed on a stale topology ({}); computing it again", change, refused.reason());
        return appliedEpoch(movedTo.getAsLong()).thenCompose(newer -> attempt(change, attempt + 1));
    }

    /** Completes once this member has applied {@code epoch} or a later one; fails with CONFLICT past the timeout. */
    private CompletableFuture<Topology> appliedEpoch(long epoch) {
        return epochWaiters.await(epoch, this::current)
                .orTimeout(catchUpTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionallyCompose(failure -> {
                    Throwable cause = unwrap(failure);
                    return CompletableFuture.failedFuture(cause instanceof TimeoutException
                            ? new TopologyChangeRefusedException(CONFLICT, "another change committed first (epoch " + epoch
                                    + "), and this member has not applied it within " + catchUpTimeout
                                    + "; read the topology again")
                            : cause);
                });
    }

    /** Each new state this member applies, on the Raft log's callback thread (and once at start). */
    private void applied(byte[] state) {
        Topology topology;
        try {
            topology = TopologyCodec.decodeTopology(state);
        }
        catch (IllegalArgumentException unreadable) {
            log.error("{}: the topology applied cannot be read by this version, which keeps epoch {}: {}", this,
                    current.epoch(), unreadable.getMessage());
            return;
        }
        advance(topology);
    }

    /** Makes {@code topology} current if it is newer, and tells the listeners; then the waiters it satisfies. */
    private void advance(Topology topology) {
        synchronized (this) {
            if (topology.epoch() <= current.epoch()) {
                return;
            }
            current = topology;
            for (Consumer<Topology> listener : listeners) {
                try {
                    listener.accept(topology);
                }
                catch (RuntimeException ex) {
                    log.warn("A topology listener threw at epoch {}", topology.epoch(), ex);
                }
            }
        }
        epochWaiters.applied(topology);
    }

    private Topology formedByAnother(Topology formed, Bootstrap bootstrap) {
        if (formed.epoch() == 1) {
            Topology ours = null;
            try {
                ours = bootstrap.apply(Topology.empty());
            }
            catch (TopologyChangeRefusedException refused) {
                log.warn("This member's bootstrap would have been refused ({}); the cluster was formed with {}",
                        refused.reason(), formed);
            }
            if (ours != null && !ours.equals(formed)) {
                log.warn("The cluster was formed by another member as {}; this member would have formed {}: were the"
                        + " members started with different member lists?", formed, ours);
            }
        }
        return formed;
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    @Override
    public String toString() {
        return "RatisTopologyLog[" + raft.memberId() + "]";
    }
}
