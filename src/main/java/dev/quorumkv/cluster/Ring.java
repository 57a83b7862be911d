package dev.quorumkv.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The consistent-hash ring: each member owns {@code virtualNodes} positions (tokens) on a 64-bit circle.
 * A key's preference list is the first N distinct members clockwise from the key's hash, so adding a
 * member moves only the keys that fall just before its tokens, about 1/M of them.
 * Immutable and safe to share.
 */
public final class Ring {

    private final long[] tokens;
    private final Member[] owners;
    private final int memberCount;

    public Ring(List<Member> members, int virtualNodes) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a ring needs at least one member");
        }
        record Token(long position, Member owner) {
        }
        List<Token> all = new ArrayList<>(members.size() * virtualNodes);
        for (Member member : members) {
            for (int i = 0; i < virtualNodes; i++) {
                all.add(new Token(hash(member.id() + "#" + i), member));
            }
        }
        // Sort by position, then by member id so a (vanishingly rare) collision still orders deterministically.
        all.sort(Comparator.comparingLong(Token::position).thenComparing(t -> t.owner().id()));
        this.tokens = all.stream().mapToLong(Token::position).toArray();
        this.owners = all.stream().map(Token::owner).toArray(Member[]::new);
        this.memberCount = members.size();
    }

    /** The first {@code n} distinct members clockwise from the key's position, the primary first. */
    public List<Member> preferenceList(String key, int n) {
        int wanted = Math.min(n, memberCount);
        Set<Member> chosen = new LinkedHashSet<>(wanted * 2);
        int start = firstTokenAtOrAfter(hash(key));
        for (int step = 0; step < tokens.length && chosen.size() < wanted; step++) {
            chosen.add(owners[(start + step) % tokens.length]);
        }
        return List.copyOf(chosen);
    }

    private int firstTokenAtOrAfter(long position) {
        int index = Arrays.binarySearch(tokens, position);
        if (index < 0) {
            index = -index - 1;
        }
        return index == tokens.length ? 0 : index;
    }

    /** One digest per thread: looking one up per request shows in profiles, and a digest is not thread-safe. */
    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("MD5 is required of every JVM", ex);
        }
    });

    /** MD5, as Dynamo uses: uniform, stable across JVMs and releases (String.hashCode is neither spread nor promised). */
    static long hash(String text) {
        byte[] digest = MD5.get().digest(text.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(digest).getLong();
    }
}
