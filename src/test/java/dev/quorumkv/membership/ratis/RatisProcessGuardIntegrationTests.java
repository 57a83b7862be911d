package dev.quorumkv.membership.ratis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Ratis may not end the process: without {@link RatisProcessGuard} each of these cases called {@code System.exit}
 * and took the whole test JVM down (a crashed fork, not a failed test).
 */
class RatisProcessGuardIntegrationTests {

    @TempDir
    Path dir;

    @Test
    void aMemberWhosePortIsTakenFailsItsStartWithAnErrorNamingTheAddress() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String address = "127.0.0.1:" + taken.getLocalPort();
            RaftLogSettings settings = RaftLogSettings.bootstrap(RaftTestGroup.CLUSTER, "m1", Map.of("m1", address),
                    dir.resolve("m1"));

            assertThatThrownBy(() -> RaftCommandLog.start(settings, new AppendOnlyList()))
                    .isInstanceOf(IOException.class).hasMessageContaining("m1 cannot listen at " + address);
        }
    }

    @Test
    void anUncaughtExceptionInAnyThreadIsLoggedAndTheProcessLivesOn() throws Exception {
        String address = "127.0.0.1:" + RaftTestGroup.freePort();
        try (RaftCommandLog member = RaftCommandLog.start(RaftLogSettings.bootstrap(RaftTestGroup.CLUSTER, "m1",
                Map.of("m1", address), dir.resolve("m1")), new AppendOnlyList())) {
            Thread failing = new Thread(() -> {
                throw new IllegalStateException("thrown on purpose, uncaught");
            }, "uncaught-on-purpose");
            failing.start();
            failing.join();

            assertThat(member.submit(AppendOnlyList.command("still-here")).join())
                    .satisfies(state -> assertThat(AppendOnlyList.entries(state)).containsExactly("still-here"));
        }
    }
}
