package dev.quorumkv.membership.ratis;

import java.net.URI;
import java.util.UUID;
import java.util.stream.IntStream;

import dev.quorumkv.membership.Bootstrap;
import dev.quorumkv.membership.Join;
import dev.quorumkv.membership.MemberState;
import dev.quorumkv.membership.Replace;
import dev.quorumkv.membership.Topology;
import dev.quorumkv.membership.TopologyMember;

/** Topology members m1, m2, ... (the Raft members' ids) with fixed host ids and urls, and changes of them. */
final class Topologies {

    static final int PARTITIONS = 64;
    static final int N = 3;

    private Topologies() {
    }

    static UUID host(int number) {
        return new UUID(0x5EED, number);
    }

    static URI url(int number) {
        return URI.create("http://127.0.0.1:" + (8080 + number));
    }

    static Bootstrap bootstrap(int members) {
        return new Bootstrap(IntStream.rangeClosed(1, members)
                .mapToObj(i -> new TopologyMember("m" + i, host(i), url(i), MemberState.NORMAL)).toList(), PARTITIONS, N);
    }

    static Topology formed(int members) {
        return bootstrap(members).apply(Topology.empty());
    }

    static Join join(int number) {
        return new Join("m" + number, host(number), url(number));
    }

    /** {@code m<number>} again, on a new host (a lost disk): {@code generation} tells the new hosts apart. */
    static Replace replace(int number, int generation) {
        return new Replace("m" + number, new UUID(generation, number), url(number));
    }
}
