package dev.quorumkv.membership;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import static dev.quorumkv.membership.TopologyFixture.join;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What every {@link TopologyLog} gives, whichever implementation: each one's test extends this with a way to start a
 * new, empty log (of one member). Listeners are awaited, as a log may call them on a thread of its own.
 */
public abstract class TopologyLogContract {

    private static final Duration LISTENERS = Duration.ofSeconds(10);

    /** A new log with no topology yet, ready to take changes. */
    protected abstract TopologyLog newLog() throws Exception;

    @Test
    void aSubmittedChangeCompletesWithTheTopologyAfterItAndListenersHearEveryCommitInOrder() throws Exception {
        try (TopologyLog log = newLog()) {
            List<Long> heard = new CopyOnWriteArrayList<>();
            log.onCommit(topology -> heard.add(topology.epoch()));
            assertThat(log.current()).isEqualTo(Topology.empty());

            Topology first = log.submit(TopologyFixture.bootstrap(4)).join();
            Topology joining = log.submit(join(5)).join();

            assertThat(first).isEqualTo(TopologyFixture.formed(4));
            assertThat(joining).isEqualTo(join(5).apply(first));
            assertThat(log.current()).isEqualTo(joining);
            await().atMost(LISTENERS).untilAsserted(() -> assertThat(heard).containsExactly(1L, 2L));
        }
    }

    @Test
    void aRefusedChangeFailsTheFutureWithTheRefusalAndCommitsNothing() throws Exception {
        try (TopologyLog log = newLog()) {
            List<Topology> heard = new CopyOnWriteArrayList<>();
            log.submit(TopologyFixture.bootstrap(4)).join();
            log.submit(join(5)).join();
            log.onCommit(heard::add);
            Topology before = log.current();

            assertThatThrownBy(() -> log.submit(join(6)).join()).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOfSatisfying(TopologyChangeRefusedException.class, refused -> assertThat(refused.kind())
                            .isEqualTo(TopologyChangeRefusedException.Kind.CONFLICT));

            Topology advanced = log.submit(new AdvancePhase(before.epoch())).join();
            assertThat(advanced.epoch()).isEqualTo(before.epoch() + 1);
            await().atMost(LISTENERS).untilAsserted(() -> assertThat(heard).containsExactly(advanced));
        }
    }

    @Test
    void aClosedLogTakesNoMoreChanges() throws Exception {
        TopologyLog log = newLog();
        log.close();

        assertThat(log.submit(TopologyFixture.bootstrap(3))).isCompletedExceptionally();
        assertThat(log.current().isEmpty()).isTrue();
    }
}
