package dev.quorumkv.membership.ratis;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;
import dev.quorumkv.support.LoopbackPorts;
import org.slf4j.LoggerFactory;

import static org.awaitility.Awaitility.await;

/**
 * Real Ratis members on 127.0.0.1, each with a free port and a directory of its own under a temporary one, that a
 * test can stop, restart (from their storage) and add; {@link #close()} closes every member still running.
 */
final class RaftTestGroup implements AutoCloseable {

    static final String CLUSTER = "test-cluster";
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    static final Duration CONVERGENCE = Duration.ofSeconds(30);

    static {
        // Ratis logs every vote, append and configuration at INFO: keep its warnings only in the test output.
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.apache.ratis")).setLevel(Level.WARN);
    }

    private final RunningMembers<RaftCommandLog> members;

    RaftTestGroup(Path dir) {
        this.members = new RunningMembers<>(dir, settings -> RaftCommandLog.start(settings, new AppendOnlyList()));
    }

    /** Forms a group of {@code size} members, m1.., from a fixed list of peers. */
    RaftTestGroup bootstrap(int size) {
        members.bootstrap(size);
        return this;
    }

    /** Starts a member outside the group, waiting to be added. */
    RaftCommandLog startJoining(String id) {
        return members.startJoining(id);
    }

    RaftCommandLog start(String id) {
        return members.start(id);
    }

    void stop(String id) {
        members.stop(id);
    }

    RaftCommandLog member(String id) {
        return members.member(id);
    }

    String address(String id) {
        return members.address(id);
    }

    Collection<RaftCommandLog> running() {
        return members.running();
    }

    /** The leader the running members of the group agree on, once they do (a joining member knows none). */
    RaftCommandLog leader() {
        return await().atMost(CONVERGENCE).until(this::agreedLeader, leader -> leader != null);
    }

    private RaftCommandLog agreedLeader() {
        Set<String> named = running().stream().filter(m -> m.peers().containsKey(m.memberId()))
                .map(m -> m.leaderId().orElse("")).collect(Collectors.toSet());
        if (named.size() != 1) {
            return null;
        }
        return member(named.iterator().next());
    }

    /** A running member of the group that is not the leader. */
    RaftCommandLog follower() {
        RaftCommandLog leader = leader();
        return running().stream().filter(m -> m != leader && m.peers().containsKey(m.memberId()))
                .findFirst().orElseThrow();
    }

    /** Waits until every running member holds {@code entries}, in that order. */
    void awaitEveryMemberHolds(List<String> entries) {
        await().atMost(CONVERGENCE).untilAsserted(() -> running().forEach(
                member -> org.assertj.core.api.Assertions.assertThat(AppendOnlyList.entries(member.state()))
                        .as("the state of %s", member.memberId()).isEqualTo(entries)));
    }

    @Override
    public void close() {
        members.close();
    }

    /** A port free now that this JVM has not handed out before, below the ephemeral range ({@link LoopbackPorts}). */
    static int freePort() {
        return LoopbackPorts.unused();
    }
}
