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

    /** The wall clock moves by hand, backwards too. */
    private void moveWall(long millis) {
        wall.setWallMillis(wall.wallMillis() + millis);
    }
}
