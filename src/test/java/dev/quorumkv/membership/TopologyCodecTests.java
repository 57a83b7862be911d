package dev.quorumkv.membership;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static dev.quorumkv.membership.TopologyFixture.advance;
import static dev.quorumkv.membership.TopologyFixture.finish;
import static dev.quorumkv.membership.TopologyFixture.formed;
import static dev.quorumkv.membership.TopologyFixture.join;
import static dev.quorumkv.membership.TopologyFixture.url;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopologyCodecTests {

    @Test
    void everyCommandDecodesToAnEqualCommand() {
        List<TopologyChange> changes = List.of(TopologyFixture.bootstrap(3),
                new Bootstrap(List.of(new TopologyMember("solo", UUID.randomUUID(), null, MemberState.NORMAL)), 1, 3),
                join(4), new Join("node5", UUID.randomUUID(), null), new Join("node6", null, url(6)), new Leave("node1"),
                new Replace("node2", UUID.randomUUID(), URI.create("https://node2.quorumkv.default.svc.cluster.local:8443")),
                new AdvancePhase(7), new Abort(Long.MAX_VALUE), new Claim("node3", UUID.randomUUID()),
                new Bootstrap(List.of(new TopologyMember("node1", null, url(1), MemberState.NORMAL),
                        new TopologyMember("node2", UUID.randomUUID(), url(2), MemberState.NORMAL)), 16, 2));

        for (TopologyChange change : changes) {
            byte[] bytes = TopologyCodec.encode(change);
            assertThat(bytes[0]).isEqualTo(TopologyCodec.FORMAT);
            assertThat(TopologyCodec.decodeChange(bytes)).isEqualTo(change);
            assertThat(TopologyCodec.encode(TopologyCodec.decodeChange(bytes))).isEqualTo(bytes);
        }
    }

    /** A snapshot taken in any phase of any change, and after changes, decodes to an equal topology. */
    @Test
    void aTopologyDecodesToAnEqualOneInEveryPhaseOfEveryChange() {
        List<Topology> topologies = new ArrayList<>(List.of(Topology.empty(), formed(1), formed(3), TopologyFixture.formedUnclaimed(3)));
        for (TopologyChange change : List.of(join(5), new Leave("node3"), new Replace("node1", UUID.randomUUID(), url(11)))) {
            for (Topology topology = change.apply(formed(4)); topology.isChanging(); topology = advance(topology)) {
                topologies.add(topology);
            }
        }
        Topology afterLeaveAndRejoin = finish(join(6).apply(finish(new Leave("node2").apply(formed(4)))));
        topologies.add(afterLeaveAndRejoin);
        topologies.add(new Join("node2", UUID.randomUUID(), url(2)).apply(afterLeaveAndRejoin));

        for (Topology topology : topologies) {
            byte[] bytes = TopologyCodec.encode(topology);
            Topology decoded = TopologyCodec.decodeTopology(bytes);
            assertThat(decoded).as("%s", topology).isEqualTo(topology);
            assertThat(decoded.moves()).isEqualTo(topology.moves());
            assertThat(TopologyCodec.encode(decoded)).isEqualTo(bytes);
        }
    }

    @Test
    void aSnapshotOfAThousandPartitionsIsSmall() {
        Topology topology = new Leave("node2").apply(new Bootstrap(List.of(TopologyFixture.founder(1), TopologyFixture.founder(2),
                TopologyFixture.founder(3), TopologyFixture.founder(4)), 1024, 3).apply(Topology.empty()));

        assertThat(TopologyCodec.encode(topology)).hasSizeLessThan(2 * 1024 * 3 * 2 + 512);
    }

    @Test
    void aRefusalDecodesWithItsKindAndReason() {
        TopologyChangeRefusedException refusal = new TopologyChangeRefusedException(TopologyChangeRefusedException.Kind.CONFLICT,
                "another change is in progress");

        TopologyChangeRefusedException decoded = TopologyCodec.decodeRefusal(TopologyCodec.encode(refusal));

        assertThat(decoded.kind()).isEqualTo(TopologyChangeRefusedException.Kind.CONFLICT);
        assertThat(decoded.reason()).isEqualTo("another change is in progress");
    }

    /** Every proper prefix of a record is refused as truncated, never decoded as something else or thrown as another exception. */
    @Test
    void truncatedBytesAreRefused() {
        List<byte[]> records = List.of(TopologyCodec.encode(advance(join(5).apply(formed(4)))), TopologyCodec.encode(TopologyFixture.bootstrap(3)),
                TopologyCodec.encode(join(4)), TopologyCodec.encode(new AdvancePhase(3)));
        for (byte[] bytes : records) {
            for (int length = 0; length < bytes.length; length++) {
                byte[] prefix = Arrays.copyOf(bytes, length);
                assertThatThrownBy(() -> decodeEither(prefix)).as("%d of %d bytes", length, bytes.length)
                        .isInstanceOf(TopologyCodec.MalformedTopologyException.class);
            }
        }
    }

    @Test
    void garbageOtherVersionsOtherTypesAndTrailingBytesAreRefusedSayingWhy() {
        byte[] topology = TopologyCodec.encode(formed(3));
        byte[] join = TopologyCodec.encode(join(4));

        assertMalformed(() -> TopologyCodec.decodeTopology(null), "shorter than its two header bytes");
        assertMalformed(() -> TopologyCodec.decodeTopology(with(topology, 0, (byte) 2)), "format is 2, and this node reads format 1");
        assertMalformed(() -> TopologyCodec.decodeTopology(join), "type is 'J', not 'T'");
        assertMalformed(() -> TopologyCodec.decodeChange(topology), "type 'T' is no topology change");
        assertMalformed(() -> TopologyCodec.decodeChange(Arrays.copyOf(join, join.length + 1)), "1 bytes follow its end");
        assertMalformed(() -> TopologyCodec.decodeTopology("{\"epoch\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8)), "format is");
        assertMalformed(() -> TopologyCodec.decodeRefusal(with(TopologyCodec.encode(new TopologyChangeRefusedException(
                TopologyChangeRefusedException.Kind.BAD_REQUEST, "no")), 2, (byte) 9)), "unknown refusal kind");
    }

    /** Bytes that parse but break a rule (here: one member's state flipped) are refused as not holding together. */
    @Test
    void bytesThatParseButBreakAnInvariantAreRefused() {
        byte[] bytes = TopologyCodec.encode(formed(3));
        // header 2, epoch 8, partitions 4, replicas 4, member count 2, then "node1": claimed flag 1, length 2 + 5, host id 16,
        // url flag 1 + string
        int state = 2 + 8 + 4 + 4 + 2 + 1 + 7 + 16 + 1 + 2 + url(1).toString().length();
        assertThat(bytes[state]).isEqualTo((byte) 2); // NORMAL

        assertMalformed(() -> TopologyCodec.decodeTopology(with(bytes, state, (byte) 4)), "does not hold together");
        assertMalformed(() -> TopologyCodec.decodeTopology(with(bytes, state, (byte) 7)), "unknown member state");
    }

    @Test
    void randomBytesAreAlwaysRefusedAsMalformed() {
        java.util.Random random = new java.util.Random(5);
        byte[] valid = TopologyCodec.encode(advance(join(5).apply(formed(4))));
        for (int i = 0; i < 2_000; i++) {
            byte[] corrupted = valid.clone();
            corrupted[2 + random.nextInt(corrupted.length - 2)] = (byte) random.nextInt(256);
            try {
                TopologyCodec.decodeTopology(corrupted); // a flip that still makes a sound topology (a host id bit) may decode
            }
            catch (TopologyCodec.MalformedTopologyException expected) {
                // refused, as it should be
            }
        }
    }

    private static Object decodeEither(byte[] bytes) {
        return bytes.length > 1 && bytes[1] == 'T' ? TopologyCodec.decodeTopology(bytes) : TopologyCodec.decodeChange(bytes);
    }

    private static byte[] with(byte[] bytes, int index, byte value) {
        byte[] copy = bytes.clone();
        copy[index] = value;
        return copy;
    }

    private static void assertMalformed(org.assertj.core.api.ThrowableAssert.ThrowingCallable decode, String reason) {
        assertThatThrownBy(decode).isInstanceOf(TopologyCodec.MalformedTopologyException.class).hasMessageContaining(reason);
    }
}
