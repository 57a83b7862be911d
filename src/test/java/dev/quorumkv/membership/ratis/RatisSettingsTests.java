package dev.quorumkv.membership.ratis;

import java.nio.file.Path;
import java.util.Map;

import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The Ratis properties a member runs with. */
class RatisSettingsTests {

    @Test
    void aLeaderSendsAFollowerOneAppendEntriesAtATimeSoThatItsLogCannotWedgeOnTwoAppendsAtOnce() {
        RaftProperties properties = RatisSettings.properties(
                RaftLogSettings.bootstrap("c", "m1", Map.of("m1", "127.0.0.1:7001"), Path.of("raft")));

        assertThat(GrpcConfigKeys.Server.leaderOutstandingAppendsMax(properties))
                .as("Ratis 3.1.3's follower fails for ever after two concurrent appends; its default is 8")
                .isEqualTo(1);
    }
}
