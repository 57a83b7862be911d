package dev.quorumkv.membership;

import java.net.URI;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

/** Members named node1, node2, ... with fixed host ids and urls, and topologies made of them. */
final class TopologyFixture {

    static final int PARTITIONS = 256;
    static final int N = 3;

    private TopologyFixture() {
    }

    static UUID host(int number) {
        return new UUID(0x5EED, number);
    }

    static URI url(int number) {
        return URI.create("http://10.0.0." + number + ":8080");
    }

    static TopologyMember founder(int number) {
        return new TopologyMember("node" + number, host(number), url(number), MemberState.NORMAL);
    }

    static Bootstrap bootstrap(int members) {
        return new Bootstrap(IntStream.rangeClosed(1, members).mapToObj(TopologyFixture::founder).toList(), PARTITIONS, N);
    }

    /** The first topology formed from {@code quorumkv.cluster.members} alone: ids and urls, no host id claimed yet. */
    static Topology formedUnclaimed(int members) {
        return new Bootstrap(IntStream.rangeClosed(1, members)
                .mapToObj(number -> new TopologyMember("node" + number, null, url(number), MemberState.NORMAL)).toList(), PARTITIONS, N)
                .apply(Topology.empty());
    }

    /** The first topology of a cluster of {@code members}, epoch 1. */
    static Topology formed(int members) {
        return bootstrap(members).apply(Topology.empty());
    }

    static Join join(int number) {
        return new Join("node" + number, host(number), url(number));
    }

    /** Applies the changes in order, each to the topology the one before made. */
    static Topology apply(Topology start, TopologyChange... changes) {
        Topology topology = start;
        for (TopologyChange change : changes) {
            topology = change.apply(topology);
        }
        return topology;
    }

    /** Advances the running change once. */
    static Topology advance(Topology topology) {
        return new AdvancePhase(topology.epoch()).apply(topology);
    }

    /** Advances the running change until it is done. */
    static Topology finish(Topology topology) {
        Topology next = topology;
        while (next.isChanging()) {
            next = advance(next);
        }
        return next;
    }

    static List<String> ids(List<dev.quorumkv.cluster.Member> members) {
        return members.stream().map(dev.quorumkv.cluster.Member::id).toList();
    }
}
