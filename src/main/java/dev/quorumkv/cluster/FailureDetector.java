package dev.quorumkv.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import dev.quorumkv.time.TimeSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks a peer down after {@code threshold} consecutive failed calls, so requests stop paying a timeout for
 * a node that is gone and fail fast with "unavailable" when too few replicas are left. A peer marked down
 * comes back only when a probe (or any call) succeeds. This node itself is always up: if its own store
 * fails, its calls fail like any other replica's.
 *
 * <p>Errors (connection refused, a failed call) always count. A timeout counts only if nothing at all has
 * been heard from the peer since the timed-out call was sent: a peer that keeps answering other calls, even
 * late, is alive but slow (a cold JVM, a GC pause, this node's own CPU starved), and marking it down would
 * turn its slowness into "unavailable" errors for every key it holds. Calls sent together time out
 * together, so timeouts are evidence only once the silence has lasted: a timeout counts only for a call
 * sent at least {@link #MIN_SILENCE} after the first call that went unanswered. Without that, a peer's
 * very first answers after a start (new connections, code not yet compiled) took longer than the
 * timeout and three calls in flight marked it down at once. A stopped or paused peer answers nothing and
 * is marked down after about twice the replication timeout.
 *
 * <p>It watches the members of the cluster's current placement ({@link #follow}): a member that joins is watched
 * from the placement that adds it, one that leaves is forgotten, and a member at a new url (a replacement host) starts
 * afresh. A call to a member it does not watch counts for nothing, and such a member is up.
 */
public class FailureDetector {

    private static final Logger log = LoggerFactory.getLogger(FailureDetector.class);

    public enum State { UP, DOWN }

    /** Longer than a cold peer's first answers; short against any fault worth failing fast for. */
    public static final Duration MIN_SILENCE = Duration.ofSeconds(1);

    private final Member self;
    private final int threshold;
    private final long minSilenceNanos;
    private final TimeSource time;
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();

    public FailureDetector(Member self, List<Member> members, int threshold, TimeSource time) {
        this(self, members, threshold, MIN_SILENCE, time);
    }

    public FailureDetector(Member self, List<Member> members, int threshold, Duration minSilence, TimeSource time) {
        this.self = self;
        this.threshold = threshold;
        this.minSilenceNanos = minSilence.toNanos();
        this.time = time;
        track(members);
    }

    /** Watches the members of every placement of {@code cluster}, from the current one on. */
    public void follow(Cluster cluster) {
        cluster.follow(placement -> track(placement.replicaMembers()));
    }

    /** Watches exactly these members from now on: new ones start up, and the state of those not among them is dropped. */
    void track(List<Member> members) {
        Set<String> ids = members.stream().map(Member::id).collect(Collectors.toSet());
        peers.keySet().retainAll(ids);
        for (Member member : members) {
            peers.compute(member.id(), (id, known) -> known != null && known.member.equals(member) ? known : new Peer(member, time.nanoTime()));
        }
    }

    /** The members watched, by id. */
    public Set<String> watched() {
        return Set.copyOf(peers.keySet());
    }

    public boolean isUp(Member member) {
        return state(member) == State.UP;
    }

    public State state(Member member) {
        if (member.id().equals(self.id())) {
            return State.UP;
        }
        Peer peer = peers.get(member.id());
        return peer != null && peer.failures.get() >= threshold ? State.DOWN : State.UP;
    }

    /** How long {@code member} has been marked down, counted from the call that marked it; empty while it is up. */
    public Optional<Duration> downFor(Member member) {
        Peer peer = peers.get(member.id());
        if (peer == null || isUp(member)) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos(time.nanoTime() - peer.downSinceNanos));
    }

    /** The peer answered (an ack, a refusal, a probe): it is alive, however late the answer came. */
    public void recordSuccess(Member member) {
        Peer peer = peers.get(member.id());
        if (peer == null) {
            return;
        }
        peer.lastAnswerNanos = time.nanoTime();
        int before = peer.failures.getAndSet(0);
        if (before >= threshold && !member.id().equals(self.id())) {
            log.info("Peer {} is up again", member.id());
        }
    }

    /** A call failed with an error: the peer refused the connection or could not handle the call. */
    public void recordFailure(Member member, Throwable cause) {
        Peer peer = peers.get(member.id());
        if (peer == null) {
            return;
        }
        int now = peer.failures.incrementAndGet();
        if (now == threshold) {
            peer.downSinceNanos = time.nanoTime();
        }
        if (now == threshold && !member.id().equals(self.id())) {
            log.warn("Peer {} marked down after {} consecutive failures (last: {}); probing until it answers",
                    member.id(), threshold, cause.toString());
        }
    }

    /**
     * A call sent at {@code sentAtNanos} ({@link TimeSource#nanoTime()}) got no answer in time. Counts as a
     * failure only if the peer has not answered anything since, and the call left at least the minimum
     * silence after the first unanswered one.
     */
    public void recordTimeout(Member member, long sentAtNanos, Throwable cause) {
        Peer peer = peers.get(member.id());
        if (peer == null || peer.lastAnswerNanos - sentAtNanos > 0) {
            return;
        }
        if (sentAtNanos - peer.silentSince(sentAtNanos) < minSilenceNanos) {
            return;
        }
        recordFailure(member, cause);
    }

    private static final class Peer {

        /** The member as watched: the same id at another url is another host, watched afresh. */
        final Member member;
        final AtomicInteger failures = new AtomicInteger();
        /** Starts at creation: a peer never heard from is silent since every call sent after that. */
        volatile long lastAnswerNanos;
        /** When the failure that marked it down came, if it is down. */
        volatile long downSinceNanos;
        /** The earliest send time of a timed-out call since the last answer. */
        private long firstUnansweredNanos;
        private boolean silent;

        Peer(Member member, long createdNanos) {
            this.member = member;
            this.lastAnswerNanos = createdNanos;
        }

        /** When this silence began, learning from a timed-out call sent at {@code sentAtNanos}. */
        synchronized long silentSince(long sentAtNanos) {
            if (!silent || lastAnswerNanos - firstUnansweredNanos > 0) {
                silent = true;
                firstUnansweredNanos = sentAtNanos;
            }
            else if (sentAtNanos - firstUnansweredNanos < 0) {
                firstUnansweredNanos = sentAtNanos;
            }
            return firstUnansweredNanos;
        }
    }
}
