package dev.quorumkv.cluster;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterTests {

    @Test
    void noMembersMeansASingleNodeStore() {
        Cluster cluster = Cluster.fromConfiguration("solo", "", 16, 3);

        assertThat(cluster.size()).isEqualTo(1);
        assertThat(cluster.peers()).isEmpty();
        assertThat(cluster.preferenceList("k", 3)).containsExactly(cluster.self());
    }

    @Test
    void membersAreParsedAndSelfIsFound() {
        Cluster cluster = Cluster.fromConfiguration("b", " a=http://127.0.0.1:1 , b=http://127.0.0.1:2/ ,c=https://host.example:3", 16, 3);

        assertThat(cluster.members()).extracting(Member::id).containsExactly("a", "b", "c");
        assertThat(cluster.self().url()).hasToString("http://127.0.0.1:2");
        assertThat(cluster.peers()).extracting(Member::id).containsExactly("a", "c");
    }

    @Test
    void configurationMistakesAreOneClearSentence() {
        assertThatThrownBy(() -> Cluster.fromConfiguration("d", "a=http://h:1,b=http://h:2", 16, 3))
                .hasMessageContaining("quorumkv.node-id 'd' is not one of quorumkv.cluster.members");
        assertThatThrownBy(() -> Cluster.fromConfiguration("a", "a=http://h:1,a=http://h:2", 16, 3))
                .hasMessageContaining("names 'a' twice");
        assertThatThrownBy(() -> Cluster.fromConfiguration("a", "a=http://h:1,b", 16, 3))
                .hasMessageContaining("not of the form id=url");
        assertThatThrownBy(() -> Cluster.fromConfiguration("a", "a=http://h:1,b=ftp://h:2", 16, 3))
                .hasMessageContaining("must be an http(s) URL");
        assertThatThrownBy(() -> Cluster.fromConfiguration("bad id", "", 16, 3))
                .hasMessageContaining("quorumkv.node-id 'bad id' is invalid");
    }

    @Test
    void aNodeNotAmongTheMembersStartsAsAJoinerOnlyWithAutoJoinAndItsUrl() {
        Cluster joiner = Cluster.fromConfiguration("d", "a=http://h:1,b=http://h:2", 16, 3, true, URI.create("http://h:4"));

        assertThat(joiner.self()).isEqualTo(new Member("d", URI.create("http://h:4")));
        assertThat(joiner.peers()).extracting(Member::id).as("its contact points").containsExactly("a", "b");
        assertThat(joiner.members()).extracting(Member::id).as("the placement it starts with does not name it").doesNotContain("d");
        assertThatThrownBy(() -> Cluster.fromConfiguration("d", "a=http://h:1", 16, 3, true, null))
                .hasMessageContaining("set quorumkv.cluster.url");
        assertThatThrownBy(() -> Cluster.fromConfiguration("d", "a=http://h:1", 16, 3, false, URI.create("http://h:4")))
                .hasMessageContaining("quorumkv.cluster.auto-join=true");
    }

    @Test
    void aWaitForAnEpochEndsWithTheFirstPlacementThatReachesItAndACancelledOneIsForgotten() {
        Member a = new Member("a", URI.create("http://h:1"));
        PartitionMap owners = PartitionMap.striped(List.of(a), 16, 1);
        Cluster cluster = new Cluster(a, new StaticPlacement(2, owners, List.of(a)));

        assertThat(cluster.awaitEpoch(2)).as("already there").isCompletedWithValueMatching(placement -> placement.epoch() == 2);
        CompletableFuture<Placement> three = cluster.awaitEpoch(3);
        CompletableFuture<Placement> cancelled = cluster.awaitEpoch(3);
        cancelled.cancel(false);
        assertThat(three).isNotDone();

        cluster.update(new StaticPlacement(4, owners, List.of(a)));

        assertThat(three).isCompletedWithValueMatching(placement -> placement.epoch() == 4);
        assertThat(cancelled).isCancelled();
    }
}
