package dev.quorumkv.membership.ratis;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static dev.quorumkv.membership.ratis.AppendOnlyList.command;
import static dev.quorumkv.membership.ratis.AppendOnlyList.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Three real members on 127.0.0.1: what is committed, in what order, and what is refused. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RaftCommandLogIntegrationTests {

    @TempDir
    Path dir;

    private RaftTestGroup group;

    @BeforeEach
    void formAGroupOfThree() {
        group = new RaftTestGroup(dir).bootstrap(3);
    }

    @AfterEach
    void closeTheGroup() {
        group.close();
    }

    @Test
    void threeMembersApplyTheSameCommandsInTheSameOrder() {
        List<RaftCommandLog> members = List.copyOf(group.running());
        List<CompletableFuture<byte[]>> submits = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            submits.add(members.get(i % 3).submit(command("c" + i)));
        }
        List<List<String>> replies = submits.stream().map(CompletableFuture::join).map(AppendOnlyList::entries).toList();

        List<String> committed = entries(group.leader().state());
        assertThat(committed).hasSize(30).doesNotHaveDuplicates();
        group.awaitEveryMemberHolds(committed);
        // Each submitter got the state right after its command: a prefix of the one order, ending with its command.
        for (int i = 0; i < 30; i++) {
            List<String> reply = replies.get(i);
            assertThat(reply).last().isEqualTo("c" + i);
            assertThat(committed.subList(0, reply.size())).isEqualTo(reply);
        }
    }

    @Test
    void aFollowersSubmitGoesThroughTheLeaderAndIsAppliedThereWhenItCompletes() {
        RaftCommandLog follower = group.follower();

        byte[] after = follower.submit(command("from-a-follower")).join();

        assertThat(entries(after)).containsExactly("from-a-follower");
        assertThat(entries(follower.state())).containsExactly("from-a-follower");
        group.awaitEveryMemberHolds(List.of("from-a-follower"));
    }

    @Test
    void aRefusedCommandChangesNothingOnAnyMemberAndTheSubmitterGetsTheReason() {
        group.leader().submit(command("a")).join();
        group.awaitEveryMemberHolds(List.of("a"));
        List<List<String>> heard = new CopyOnWriteArrayList<>();
        group.running().forEach(member -> member.addListener(state -> heard.add(entries(state))));
        RaftCommandLog follower = group.follower();

        assertThatThrownBy(() -> follower.submit(command("a")).join())
                .hasCauseInstanceOf(CommandRefusedException.class)
                .cause().hasMessageContaining("duplicate: a")
                .extracting(cause -> ((CommandRefusedException) cause).reason()).isEqualTo("duplicate: a");

        // The refusal is a committed entry: every member applies it, and it changes nothing there.
        long refusedAt = follower.submit(command("a")).handle((state, failure) ->
                ((CommandRefusedException) failure.getCause()).index()).join();
        await().atMost(RaftTestGroup.CONVERGENCE).untilAsserted(() -> group.running()
                .forEach(member -> assertThat(member.appliedIndex()).isGreaterThanOrEqualTo(refusedAt)));
        group.running().forEach(member -> assertThat(entries(member.state())).containsExactly("a"));
        assertThat(heard).isEmpty();

        group.leader().submit(command("b")).join();
        group.awaitEveryMemberHolds(List.of("a", "b"));
        await().atMost(RaftTestGroup.CONVERGENCE).untilAsserted(() -> assertThat(heard).hasSize(3)
                .allSatisfy(state -> assertThat(state).containsExactly("a", "b")));
    }

    @Test
    void aCommandTheStateThrowsOnIsRefusedNotFatal() {
        assertThatThrownBy(() -> group.leader().submit(command(" ")).join())
                .hasCauseInstanceOf(CommandRefusedException.class)
                .cause().hasMessageContaining("not an entry");

        group.follower().submit(command("next")).join();
        group.awaitEveryMemberHolds(List.of("next"));
    }
}
