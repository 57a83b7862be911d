package dev.quorumkv.membership.ratis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import dev.quorumkv.membership.AdvancePhase;
import dev.quorumkv.membership.Topology;
import org.junit.jupiter.api.Test;

import static dev.quorumkv.membership.ratis.Topologies.formed;
import static dev.quorumkv.membership.ratis.Topologies.join;
import static org.assertj.core.api.Assertions.assertThat;

/** Submits waiting for an epoch to be applied here, before they compute their change again. */
class EpochWaitersTests {

    private final EpochWaiters waiters = new EpochWaiters();
    private final Topology first = formed(3);
    private final Topology second = join(4).apply(first);
    private final Topology third = new AdvancePhase(2).apply(second);

    @Test
    void aWaiterForAnEpochAlreadyAppliedCompletesAtOnce() {
        assertThat(waiters.await(1, () -> second)).isCompletedWithValue(second);
        assertThat(waiters.size()).isZero();
    }

    @Test
    void aWaiterCompletesWithTheFirstTopologyAppliedAtItsEpochOrLater() {
        AtomicReference<Topology> current = new AtomicReference<>(first);
        CompletableFuture<Topology> forThird = waiters.await(3, current::get);
        CompletableFuture<Topology> forSecond = waiters.await(2, current::get);

        waiters.applied(second);

        assertThat(forSecond).isCompletedWithValue(second);
        assertThat(forThird).isNotDone();
        waiters.applied(third);
        assertThat(forThird).isCompletedWithValue(third);
        assertThat(waiters.size()).isZero();
    }

    @Test
    void closingFailsEveryWaiter() {
        CompletableFuture<Topology> waiting = waiters.await(2, () -> first);

        waiters.failAll(new RaftLogUnavailableException("closed"));

        assertThat(waiting).isCompletedExceptionally();
        assertThat(waiters.size()).isZero();
    }
}
