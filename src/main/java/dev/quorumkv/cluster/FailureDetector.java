package dev.quorumkv.cluster;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks a peer down after {@code threshold} consecutive failed calls, so requests stop paying a timeout for
 * a node that is gone and fail fast with "unavailable" when too few replicas are left. A peer marked down
 * comes back only when a probe (or any call) succeeds. This node itself is always up: if its own store
 * fails, its calls fail like any other replica's.
 */
public class FailureDetector {

    private static final Logger log = LoggerFactory.getLogger(FailureDetector.class);

    public enum State { UP, DOWN }

    private final Member self;
    private final int threshold;
    private final Map<String, AtomicInteger> consecutiveFailures = new ConcurrentHashMap<>();

    public FailureDetector(Member self, List<Member> members, int threshold) {
        this.self = self;
        this.threshold = threshold;
        members.forEach(member -> consecutiveFailures.put(member.id(), new AtomicInteger()));
    }

    public boolean isUp(Member member) {
        return state(member) == State.UP;
    }

    public State state(Member member) {
        if (member.equals(self)) {
            return State.UP;
        }
        return failures(member).get() >= threshold ? State.DOWN : State.UP;
    }

    public void recordSuccess(Member member) {
        int before = failures(member).getAndSet(0);
        if (before >= threshold && !member.equals(self)) {
            log.info("Peer {} is up again", member.id());
        }
    }

    public void recordFailure(Member member, Throwable cause) {
        int now = failures(member).incrementAndGet();
        if (now == threshold && !member.equals(self)) {
            log.warn("Peer {} marked down after {} consecutive failures (last: {}); probing until it answers",
                    member.id(), threshold, cause.toString());
        }
    }

    private AtomicInteger failures(Member member) {
        return consecutiveFailures.computeIfAbsent(member.id(), id -> new AtomicInteger());
    }
}
