package dev.quorumkv.membership.ratis;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a member may be started with, the group id it derives, and the reply a submitter decodes. */
class RaftLogSettingsTests {

    private static final Path DIR = Path.of("raft");

    @Test
    void aBootstrapMemberTakesItsAddressFromThePeers() {
        RaftLogSettings settings = RaftLogSettings.bootstrap("c", "m2", Map.of("m1", "h1:7001", "m2", "h2:7002"), DIR);

        assertThat(settings.address()).isEqualTo("h2:7002");
        assertThat(settings.initialPeers()).containsOnlyKeys("m1", "m2");
    }

    @Test
    void aMemberMissingFromItsPeersOrWithABadAddressIsRefused() {
        assertThatThrownBy(() -> RaftLogSettings.bootstrap("c", "m3", Map.of("m1", "h1:7001"), DIR))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("m3");
        assertThatThrownBy(() -> RaftLogSettings.joining("c", "m1", "h1", DIR))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host:port");
        assertThatThrownBy(() -> RaftLogSettings.joining("c", "m1", "h1:70000", DIR))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> RaftLogSettings.joining(" ", "m1", "h1:7001", DIR))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clusterName");
    }

    @Test
    void atMostFiveInitialPeers() {
        Map<String, String> six = Map.of("m1", "h:1", "m2", "h:2", "m3", "h:3", "m4", "h:4", "m5", "h:5", "m6", "h:6");

        assertThatThrownBy(() -> RaftLogSettings.bootstrap("c", "m1", six, DIR))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 5");
    }

    @Test
    void theGroupIdIsTheSameForOneClusterNameAndDiffersForAnother() {
        assertThat(RaftCommandLog.groupIdOf("prod")).isEqualTo(RaftCommandLog.groupIdOf("prod"))
                .isNotEqualTo(RaftCommandLog.groupIdOf("staging"));
    }

    @Test
    void anOutcomeDecodesToWhatWasEncoded() {
        byte[] state = "x\ny".getBytes(StandardCharsets.UTF_8);

        ReplicatedState.Result accepted = Outcome.decode(Outcome.encode(ReplicatedState.accept(state)));
        ReplicatedState.Result refused = Outcome.decode(Outcome.encode(ReplicatedState.refuse("no: ü")));

        assertThat(accepted).isInstanceOfSatisfying(ReplicatedState.Accepted.class,
                a -> assertThat(a.state()).isEqualTo(state));
        assertThat(refused).isEqualTo(new ReplicatedState.Refused("no: ü"));
        assertThatThrownBy(() -> Outcome.decode(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
