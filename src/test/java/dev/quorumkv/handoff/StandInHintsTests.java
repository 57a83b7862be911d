package dev.quorumkv.handoff;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.cluster.PartitionMap;
import dev.quorumkv.handoff.StandInHints.HintNotHeldException;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.time.ManualTimeSource;
import dev.quorumkv.version.Version;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** This node standing in for a member that is down: the hint is kept before it answers, or refused, never dropped quietly. */
class StandInHintsTests {

    private final Member self = new Member("n1", null);
    private final Member owner = new Member("n2", null);
    private final List<Member> members = List.of(self, owner, new Member("n3", null));
    private final Cluster cluster = new Cluster(self, members, PartitionMap.striped(members, 8, members.size()));
    private final InMemoryHintStore hints = new InMemoryHintStore();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final HintMetrics metrics = new HintMetrics(registry, cluster.peers(), hints);

    @Test
    void aHeldWriteIsAHintForItsOwnerOnceHoldReturns() {
        standIns(true, DataSize.ofMegabytes(1)).hold("n2", "k", value("v"));

        assertThat(hints.scan("n2", null, 10, Long.MAX_VALUE)).singleElement()
                .satisfies(hint -> assertThat(hint.value().version()).isEqualTo(value("v").version()));
        assertThat(registry.get("quorumkv.hints.stored").counter().count()).isEqualTo(1);
    }

    @Test
    void thisNodeStandingInItselfHoldsTheHintAndAnswersTheWritesVersion() {
        Version held = standIns(true, DataSize.ofMegabytes(1)).holdLater(owner, "k", value("v")).join();

        assertThat(held).isEqualTo(value("v").version());
        assertThat(hints.count("n2")).isEqualTo(1);
    }

    @Test
    void aHintForAMemberThatIsNotAPeerIsBadInput() {
        StandInHints standIns = standIns(true, DataSize.ofMegabytes(1));

        assertThatThrownBy(() -> standIns.hold("n9", "k", value("v"))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> standIns.hold("n1", "k", value("v"))).isInstanceOf(InvalidInputException.class);
        assertThat(hints.count("n9") + hints.count("n1")).isZero();
    }

    @Test
    void aHintThatDoesNotFitOrWithHintsOffIsRefusedNotDropped() {
        assertThatThrownBy(() -> standIns(true, DataSize.ofBytes(0)).hold("n2", "k", value("v")))
                .isInstanceOf(HintNotHeldException.class).hasMessageContaining("max-bytes");
        assertThatThrownBy(() -> standIns(false, DataSize.ofMegabytes(1)).hold("n2", "k", value("v")))
                .isInstanceOf(HintNotHeldException.class).hasMessageContaining("enabled=false");
        assertThat(hints.count("n2")).isZero();
    }

    private StandInHints standIns(boolean enabled, DataSize maxBytes) {
        return new StandInHints(cluster, hints, new ManualTimeSource(), Runnable::run, metrics,
                new HintsProperties(enabled, Duration.ofHours(3), maxBytes, 2000));
    }

    private static Versioned value(String text) {
        return Versioned.value(new Version(1, 0, "n3"), "text/plain", text.getBytes(StandardCharsets.UTF_8));
    }
}
