package dev.quorumkv.version;

import java.time.Duration;

import dev.quorumkv.time.ManualTimeSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HybridLogicalClockTests {

    private final ManualTimeSource wall = new ManualTimeSource(1_763_935_200_000L);
    private final HybridLogicalClock clock = new HybridLogicalClock("n1", wall, Duration.ofMinutes(1));

    @Test
    void versionsFollowTheWallClockWhenItMovesForward() {
        Version first = clock.stamp();
        moveWall(5);
        Version second = clock.stamp();

        assertThat(first.wallMillis()).isEqualTo(1_763_935_200_000L);
        assertThat(second).isEqualTo(new Version(1_763_935_200_005L, 0, "n1"));
    }

    @Test
    void versionsStayStrictlyIncreasingWhenTheWallClockStallsOrJumpsBack() {
        Version previous = clock.stamp();
        long[] moves = {0, 0, -1_000, 0, 3, -60_000, 2, 0, 120_000, -5};
        for (long move : moves) {
            moveWall(move);
            Version next = clock.stamp();
            assertThat(next).isGreaterThan(previous);
            previous = next;
        }
    }

    @Test
    void stampAfterAContextIsNewerThanTheContextEvenFromAFasterNode() {
        Version fromFasterNode = new Version(wall.wallMillis() + 30_000, 7, "n2");

        Version stamped = clock.stampAfter(fromFasterNode);

        assertThat(stamped).isGreaterThan(fromFasterNode);
        assertThat(clock.stamp()).as("the clock stays past it").isGreaterThan(stamped);
    }

    @Test
    void aContextFurtherAheadThanTheBoundIsRefusedAndLeavesTheClockAlone() {
        Version farFuture = new Version(wall.wallMillis() + 61_000, 0, "n2");

        assertThatThrownBy(() -> clock.stampAfter(farFuture)).isInstanceOf(ContextTooFarAheadException.class)
                .hasMessageContaining("ahead of this node's clock");
        assertThat(clock.stamp().wallMillis()).isEqualTo(wall.wallMillis());
    }

    @Test
    void observedVersionsMoveTheClockForward() {
        clock.observe(new Version(wall.wallMillis() + 2_000, 3, "n3"));

        assertThat(clock.stamp()).isEqualTo(new Version(wall.wallMillis() + 2_000, 4, "n1"));
    }

    @Test
    void aCounterOverflowCarriesIntoTheMillisecondAndKeepsOrder() {
        Version atLimit = new Version(wall.wallMillis(), (1 << 20) - 1, "n2");
        clock.observe(atLimit);

        Version next = clock.stamp();

        assertThat(next).isGreaterThan(atLimit);
        assertThat(next.wallMillis()).isEqualTo(wall.wallMillis() + 1);
    }

    @Test
    void aClockRestartedOnASlowerWallClockNeverStampsBehindWhatItIssuedBefore() {
        InMemoryState state = new InMemoryState();
        HybridLogicalClock before = new HybridLogicalClock("n1", wall, Duration.ofMinutes(1), state);
        Version issued = before.stamp();
        moveWall(-300_000); // restarted after the clock was set back five minutes

        HybridLogicalClock restarted = new HybridLogicalClock("n1", wall, Duration.ofMinutes(1), state);

        assertThat(restarted.stamp()).isGreaterThan(issued);
    }

    @Test
    void theMarkIsSavedBeforeAVersionReachesItAndOnlyOncePerSecondOfAdvance() {
        InMemoryState state = new InMemoryState();
        HybridLogicalClock marked = new HybridLogicalClock("n1", wall, Duration.ofMinutes(1), state);

        Version first = marked.stamp();
        for (int i = 0; i < 100; i++) {
            moveWall(5);
            assertThat(marked.stamp().wallMillis()).isLessThan(state.saved);
        }

        assertThat(state.saved).isGreaterThan(first.wallMillis());
        assertThat(state.saves).as("100 stamps over 500 ms").isEqualTo(1);
    }

    @Test
    void anObservedVersionIsCoveredByTheSavedMarkToo() {
        InMemoryState state = new InMemoryState();
        HybridLogicalClock marked = new HybridLogicalClock("n1", wall, Duration.ofMinutes(1), state);
        Version fromPeer = new Version(wall.wallMillis() + 40_000, 0, "n2");

        marked.observe(fromPeer);

        assertThat(state.saved).isGreaterThan(fromPeer.wallMillis());
    }

    @Test
    void aPeerVersionFurtherAheadThanTheBoundIsRefusedAndLeavesTheClockAlone() {
        Version yearsAhead = new Version(wall.wallMillis() + Duration.ofDays(3 * 365).toMillis(), 0, "rogue");

        assertThatThrownBy(() -> clock.observe(yearsAhead)).isInstanceOf(VersionTooFarAheadException.class);
        clock.observeIfPlausible(yearsAhead);

        assertThat(clock.stamp().wallMillis()).isEqualTo(wall.wallMillis());
    }

    /**
     * The bound is measured from the clock's state, not only its wall clock: a node whose wall clock went
     * back still accepts the versions the cluster issued, its own included.
     */
    @Test
    void aVersionTheClusterIssuedIsAcceptedBackEvenAfterTheWallClockWentBack() {
        Version issued = clock.stampAfter(new Version(wall.wallMillis() + 50_000, 0, "n2"));
        moveWall(-50_000);
        Version later = new Version(issued.wallMillis() + 30_000, 0, "n3");

        assertThat(clock.stampAfter(issued)).isGreaterThan(issued);
        assertThat(clock.stampAfter(later)).isGreaterThan(later);
    }

    @Test
    void versionsBeyondWhatThePackedClockCanHoldAreRefusedNotWrapped() {
        assertThatThrownBy(() -> new Version(Version.MAX_WALL_MILLIS + 1, 0, "n1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Version.parse("999999999999999.0.n1")).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Version(Version.MAX_WALL_MILLIS, 0, "n1").wallMillis()).isEqualTo(Version.MAX_WALL_MILLIS);
    }

    /** A clock state store that survives "restarts" within a test. */
    private static final class InMemoryState implements ClockStateStore {

        long saved;
        int saves;

        @Override
        public long load() {
            return saved;
        }

        @Override
        public void save(long wallMillis) {
            saved = wallMillis;
            saves++;
        }
    }

    /** The wall clock moves by hand, backwards too. */
    private void moveWall(long millis) {
        wall.setWallMillis(wall.wallMillis() + millis);
    }
}
