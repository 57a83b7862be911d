package dev.quorumkv.coordinator;

import java.util.List;

import dev.quorumkv.cluster.Member;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReadOrderTests {

    private final List<Member> members = CoordinatorFixture.members(5);
    private final Member n1 = members.get(0);

    @Test
    void thisNodeComesFirstThenTheOthersFromTheRandomStart() {
        ReadOrder order = new ReadOrder(member -> member.equals(n1), bound -> 1);

        assertThat(order.of(List.of(members.get(2), n1, members.get(3), members.get(4))))
                .containsExactly(n1, members.get(3), members.get(4), members.get(2));
    }

    @Test
    void aCoordinatorThatIsNoReplicaStartsAnywhereAmongThem() {
        ReadOrder order = new ReadOrder(member -> member.equals(n1), bound -> bound - 1);

        assertThat(order.of(List.of(members.get(1), members.get(2), members.get(3))))
                .containsExactly(members.get(3), members.get(1), members.get(2));
    }

    @Test
    void aSpeculativeDelayMustBePositive() {
        assertThatThrownBy(() -> new ReadProperties(java.time.Duration.ZERO))
                .hasMessageContaining("quorumkv.read.speculative-delay must be a positive duration");
        assertThat(new ReadProperties(null).speculative()).isFalse();
    }
}
