package dev.quorumkv.membership;

import java.util.Optional;

import dev.quorumkv.cluster.Member;

/** Port: asks a member for its {@link MemberProgress}; empty when it cannot be asked now (down, or no answer). */
public interface MemberProgressSource {

    Optional<MemberProgress> progressOf(Member member);
}
