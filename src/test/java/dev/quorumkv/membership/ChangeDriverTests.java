package dev.quorumkv.membership;

import static dev.quorumkv.membership.TopologyFixture.apply;
import static dev.quorumkv.membership.TopologyFixture.formed;
import static dev.quorumkv.membership.TopologyFixture.join;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import dev.quorumkv.cluster.Member;

class ChangeDriverTests {

    /** Members answering as told: settled on whatever epoch the test says, streamed as the test says. */
    private static final class ScriptedMembers implements MemberProgressSource {
        final Map<String, Long> settled = new HashMap<>();
        final Map<String, Long> streamed = new HashMap<>();
        final Set<String> silent = new HashSet<>();

        @Override
        public Optional<MemberProgress> progressOf(Member member) {
            if (silent.contains(member.id())) {
                return Optional.empty();
            }
            return Optional.of(new MemberProgress(settled.getOrDefault(member.id(), 0L), streamed.getOrDefault(member.id(), 0L)));
        }

        void allSettledOn(Topology topology) {
            topology.replicaMembers().forEach(member -> settled.put(member.id(), topology.epoch()));
        }
    }

    private final InMemoryTopologyLog log = new InMemoryTopologyLog(apply(formed(3), join(4)));
    private final ScriptedMembers members = new ScriptedMembers();
    private final ChangeDriver driver = new ChangeDriver(log, members);

    @Test
    void aJoinGoesThroughEveryPhaseOnlyOnceEveryMemberHasSettledAndTheJoinerHasStreamed() {
        assertThat(phase()).isEqualTo(Phase.WRITE_BOTH);
        assertThat(driver.step()).isEqualTo(ChangeDriver.Step.WAITING);
        assertThat(driver.waitingFor()).contains("not settled");

        members.allSettledOn(log.current());
        assertThat(driver.step()).isEqualTo(ChangeDriver.Step.ADVANCED);
        assertThat(phase()).isEqualTo(Phase.STREAMING);

        members.allSettledOn(log.current());
        assertThat(driver.step()).as("node4 has not streamed").isEqualTo(ChangeDriver.Step.WAITING);
        assertThat(driver.waitingFor()).isEqualTo("node4 (streaming)");
        members.streamed.put("node4", log.current().epoch());
        assertThat(driver.step()).isEqualTo(ChangeDriver.Step.ADVANCED);
        assertThat(phase()).isEqualTo(Phase.READ_NEW);

        members.allSettledOn(log.current());
        assertThat(driver.step()).isEqualTo(ChangeDriver.Step.ADVANCED);
        assertThat(phase()).isEqualTo(Phase.DROP_OLD);

        members.allSettledOn(log.current());
        assertThat(driver.step()).isEqualTo(ChangeDriver.Step.ADVANCED);
        assertThat(log.current().isChanging()).isFalse();
        assertThat(log.current().member("node4").orElseThrow().state()).isEqualTo(MemberState.NORMAL);
        assertThat(driver.step()).isEqualTo(ChangeDriver.Step.IDLE);
    }

    @Test
    void aMemberThatDoesNotAnswerHoldsTheChangeUntilItAnswersAgain() {
        members.allSettledOn(log.current());
        members.silent.add("node2");
        long epoch = log.current().epoch();

        assertThat(driver.step()).isEqualTo(ChangeDriver.Step.WAITING);
        assertThat(driver.waitingFor()).isEqualTo("node2 (no answer)");
        assertThat(log.current().epoch()).isEqualTo(epoch);

        members.silent.clear();
        assertThat(driver.step()).isEqualTo(ChangeDriver.Step.ADVANCED);
    }

    @Test
    void aSettledEpochOlderThanTheCurrentOneIsNoBarrierPassed() {
        members.allSettledOn(log.current());
        driver.step(); // to STREAMING; members still report the WRITE_BOTH epoch
        members.streamed.put("node4", log.current().epoch());

        assertThat(driver.step()).isEqualTo(ChangeDriver.Step.WAITING);
        assertThat(phase()).isEqualTo(Phase.STREAMING);
    }

    @Test
    void aDriverStartedAfterACrashBetweenPhasesGoesOnFromThePhaseTheLogHolds() {
        members.allSettledOn(log.current());
        driver.step();
        Topology atCrash = log.current();

        ChangeDriver successor = new ChangeDriver(new InMemoryTopologyLog(atCrash), members);
        members.allSettledOn(atCrash);
        members.streamed.put("node4", atCrash.epoch());
        assertThat(successor.step()).isEqualTo(ChangeDriver.Step.ADVANCED);
    }

    @Test
    void anAdvanceAnotherDriverMadeFirstIsRefusedNotAppliedTwice() {
        members.allSettledOn(log.current());
        Topology seen = log.current();
        TopologyLog stale = new TopologyLog() { // a driver that read the topology just before another advanced it
            @Override
            public Topology current() {
                return seen;
            }

            @Override
            public CompletableFuture<Topology> submit(TopologyChange change) {
                log.submit(new AdvancePhase(seen.epoch()));
                return log.submit(change);
            }

            @Override
            public void onCommit(Consumer<Topology> listener) {
            }

            @Override
            public void close() {
            }
        };
        ChangeDriver late = new ChangeDriver(stale, members);

        assertThat(late.step()).isEqualTo(ChangeDriver.Step.WAITING);
        assertThat(late.waitingFor()).contains("was not committed");
        assertThat(phase()).isEqualTo(Phase.STREAMING);
    }

    private Phase phase() {
        return log.current().change().orElseThrow().phase();
    }
}
