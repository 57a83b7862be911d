package dev.quorumkv.membership.ratis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The tests' replicated state: a list of strings, one per line, that a command appends to. Order is visible in the
 * state, so members that hold equal lists applied the same commands in the same order. A blank command or one already
 * in the list is refused.
 */
final class AppendOnlyList implements ReplicatedState {

    @Override
    public byte[] initial() {
        return new byte[0];
    }

    @Override
    public Result apply(byte[] state, byte[] command) {
        String entry = new String(command, StandardCharsets.UTF_8);
        List<String> entries = entries(state);
        if (entry.isBlank() || entry.contains("\n")) {
            return ReplicatedState.refuse("not an entry: '" + entry + "'");
        }
        if (entries.contains(entry)) {
            return ReplicatedState.refuse("duplicate: " + entry);
        }
        List<String> after = new ArrayList<>(entries);
        after.add(entry);
        return ReplicatedState.accept(String.join("\n", after).getBytes(StandardCharsets.UTF_8));
    }

    static List<String> entries(byte[] state) {
        return state.length == 0 ? List.of() : Arrays.asList(new String(state, StandardCharsets.UTF_8).split("\n"));
    }

    static byte[] command(String entry) {
        return entry.getBytes(StandardCharsets.UTF_8);
    }
}
