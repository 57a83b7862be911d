package dev.quorumkv.membership.ratis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;
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

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final Map<String, RaftLogSettings> settings = new LinkedHashMap<>();
    private final Map<String, RaftCommandLog> running = new LinkedHashMap<>();

    RaftTestGroup(Path dir) {
        this.dir = dir;
    }

    /** Forms a group of {@code size} members, m1.., from a fixed list of peers. */
    RaftTestGroup bootstrap(int size) {
        Map<String, String> peers = new LinkedHashMap<>();
        for (int i = 1; i <= size; i++) {
            peers.put("m" + i, "127.0.0.1:" + freePort());
        }
        peers.keySet().forEach(id -> settings.put(id, tuned(RaftLogSettings.bootstrap(CLUSTER, id, peers, dir.resolve(id)))));
        peers.keySet().forEach(this::start);
        return this;
    }

    /** Starts a member outside the group, waiting to be added. */
    RaftCommandLog startJoining(String id) {
        settings.put(id, tuned(RaftLogSettings.joining(CLUSTER, id, "127.0.0.1:" + freePort(), dir.resolve(id))));
        return start(id);
    }

    private static RaftLogSettings tuned(RaftLogSettings settings) {
        return settings.withRequestTimeout(REQUEST_TIMEOUT);
    }

    RaftCommandLog start(String id) {
        try {
            RaftCommandLog member = RaftCommandLog.start(settings.get(id), new AppendOnlyList());
            running.put(id, member);
            return member;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    void stop(String id) {
        running.remove(id).close();
    }

    RaftCommandLog member(String id) {
        return running.get(id);
    }

    String address(String id) {
        return settings.get(id).address();
    }

    Collection<RaftCommandLog> running() {
        return List.copyOf(running.values());
    }

    /** The leader the running members of the group agree on, once they do (a joining member knows none). */
    RaftCommandLog leader() {
        return await().atMost(CONVERGENCE).until(this::agreedLeader, leader -> leader != null);
    }

    private RaftCommandLog agreedLeader() {
        Set<String> named = running.values().stream().filter(m -> m.peers().containsKey(m.memberId()))
                .map(m -> m.leaderId().orElse("")).collect(Collectors.toSet());
        if (named.size() != 1) {
            return null;
        }
        return running.get(named.iterator().next());
    }

    /** A running member of the group that is not the leader. */
    RaftCommandLog follower() {
        RaftCommandLog leader = leader();
        return running.values().stream().filter(m -> m != leader && m.peers().containsKey(m.memberId()))
                .findFirst().orElseThrow();
    }

    /** Waits until every running member holds {@code entries}, in that order. */
    void awaitEveryMemberHolds(List<String> entries) {
        await().atMost(CONVERGENCE).untilAsserted(() -> running.values().forEach(
                member -> org.assertj.core.api.Assertions.assertThat(AppendOnlyList.entries(member.state()))
                        .as("the state of %s", member.memberId()).isEqualTo(entries)));
    }

    @Override
    public void close() {
        List<RaftCommandLog> members = new ArrayList<>(running.values());
        running.clear();
        members.forEach(RaftCommandLog::close);
    }

    /**
     * A port free now that this JVM has not handed out before: the kernel may offer a port again as soon as its probe
     * socket is closed, and two members given one port fail to start (Ratis's gRPC server then exits the JVM).
     */
    static int freePort() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
    }
}
