package dev.quorumkv.membership.ratis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The members a test group ({@link RaftTestGroup}, {@link TopologyTestGroup}) runs on 127.0.0.1, by id: each with
 * its settings (a free port, a directory of its own), started from them, stopped and started again from its storage;
 * {@link #close()} closes those still running.
 */
final class RunningMembers<T extends AutoCloseable> implements AutoCloseable {

    /** Starts one member from its settings: {@code RaftCommandLog.start}, {@code RatisTopologyLog.start}. */
    interface Starter<T> {
        T start(RaftLogSettings settings) throws IOException;
    }

    private final Path dir;
    private final Starter<T> starter;
    private final Map<String, RaftLogSettings> settings = new LinkedHashMap<>();
    private final Map<String, T> running = new LinkedHashMap<>();

    RunningMembers(Path dir, Starter<T> starter) {
        this.dir = dir;
        this.starter = starter;
    }

    /** Starts {@code size} members, m1.., that form one group from a fixed list of peers. */
    void bootstrap(int size) {
        Map<String, String> peers = new LinkedHashMap<>();
        for (int i = 1; i <= size; i++) {
            peers.put("m" + i, "127.0.0.1:" + RaftTestGroup.freePort());
        }
        peers.keySet().forEach(id -> settings.put(id, tuned(RaftLogSettings.bootstrap(RaftTestGroup.CLUSTER, id, peers, dir.resolve(id)))));
        peers.keySet().forEach(this::start);
    }

    /** Starts a member outside the group, waiting to be added. */
    T startJoining(String id) {
        settings.put(id, tuned(RaftLogSettings.joining(RaftTestGroup.CLUSTER, id, "127.0.0.1:" + RaftTestGroup.freePort(), dir.resolve(id))));
        return start(id);
    }

    private static RaftLogSettings tuned(RaftLogSettings settings) {
        return settings.withRequestTimeout(RaftTestGroup.REQUEST_TIMEOUT);
    }

    T start(String id) {
        try {
            T member = starter.start(settings.get(id));
            running.put(id, member);
            return member;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    void stop(String id) {
        closeQuietly(running.remove(id));
    }

    T member(String id) {
        return running.get(id);
    }

    String address(String id) {
        return settings.get(id).address();
    }

    Collection<T> running() {
        return List.copyOf(running.values());
    }

    @Override
    public void close() {
        List<T> members = new ArrayList<>(running.values());
        running.clear();
        members.forEach(RunningMembers::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable member) {
        try {
            member.close();
        }
        catch (Exception ex) {
            throw new IllegalStateException("a member did not close: " + ex.getMessage(), ex);
        }
    }
}
