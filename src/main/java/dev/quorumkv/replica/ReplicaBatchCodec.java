package dev.quorumkv.replica;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.Keys;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.storage.VersionedCodec.MalformedVersionedException;
import dev.quorumkv.version.Version;

/**
 * The bodies of batched replica calls (big-endian). A batched write: {@code count(4)} then, per write,
 * {@code keyLen(2) key valueLen(4) <VersionedCodec bytes>}. A batched read: {@code count(4)} then, per key,
 * {@code keyLen(2) key}; its answer: {@code count(4)} then, per key in the order asked, {@code valueLen(4)
 * <VersionedCodec bytes>}, with length -1 for a key the replica does not hold. An answer may cover only
 * the first keys asked (at least one), to keep its size bounded; the caller asks again for the rest.
 * A batched write's answer is empty (204) when the replica holds every write; otherwise (200) it names the
 * writes it holds a newer version of, one line each: {@code <index> <version text>}.
 * Decoding validates every entry before returning any, so a malformed or truncated batch is refused whole
 * and nothing of it is stored.
 */
public final class ReplicaBatchCodec {

    /** More writes (or keys to read) than this in one body are refused: a peer never sends that many. */
    public static final int MAX_WRITES = 4096;
    private static final int ABSENT = -1;

    private ReplicaBatchCodec() {
    }

    /** A batched write in one array. */
    public static byte[] encode(List<KeyedValue> writes) {
        List<byte[]> parts = encodeParts(writes);
        ByteBuffer buffer = ByteBuffer.allocate(parts.stream().mapToInt(part -> part.length).sum());
        parts.forEach(buffer::put);
        return buffer.array();
    }

    /**
     * A batched write as the parts that, one after the other, make its body: small heads (the count, each
     * key, lengths, {@link VersionedCodec#encodeHead}) and between them the values' own arrays, not copies,
     * so a sender puts them on the wire as they are.
     */
    public static List<byte[]> encodeParts(List<KeyedValue> writes) {
        List<byte[]> parts = new ArrayList<>(2 * writes.size() + 1);
        parts.add(ByteBuffer.allocate(4).putInt(writes.size()).array());
        for (KeyedValue write : writes) {
            byte[] key = write.key().getBytes(StandardCharsets.UTF_8);
            byte[] head = VersionedCodec.encodeHead(write.value());
            byte[] value = write.value().isTombstone() ? new byte[0] : write.value().value();
            parts.add(ByteBuffer.allocate(2 + key.length + 4 + head.length)
                    .putShort((short) key.length).put(key).putInt(head.length + value.length).put(head).array());
            if (value.length > 0) {
                parts.add(value);
            }
        }
        return parts;
    }

    /** @throws MalformedVersionedException when the body is not exactly a well-formed batch of valid keys */
    public static List<KeyedValue> decode(byte[] body) {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(body);
            int count = buffer.getInt();
            requireCount(count, MAX_WRITES, "writes");
            List<KeyedValue> writes = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String key = readKey(buffer);
                int length = buffer.getInt();
                if (length < 0 || length > buffer.remaining()) {
                    throw new MalformedVersionedException("write " + i + " is truncated");
                }
                writes.add(new KeyedValue(key, VersionedCodec.decode(view(buffer, length))));
            }
            requireEnd(buffer, count, "writes");
            return writes;
        }
        catch (BufferUnderflowException | IllegalArgumentException ex) {
            throw malformed(ex);
        }
    }

    /**
     * The lines naming each write shadowed by a newer version the replica holds; null when it holds every
     * write itself (the answer is then 204 with no body).
     */
    public static byte[] encodeShadowed(List<KeyedValue> writes, List<Version> held) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < writes.size(); i++) {
            if (held.get(i).isNewerThan(writes.get(i).value().version())) {
                lines.append(i).append(' ').append(held.get(i)).append('\n');
            }
        }
        return lines.isEmpty() ? null : lines.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The version the replica holds for each write, in order, from {@link #encodeShadowed}'s answer. */
    public static List<Version> decodeHeld(List<KeyedValue> writes, byte[] shadowed) {
        List<Version> held = new ArrayList<>(writes.stream().map(write -> write.value().version()).toList());
        if (shadowed == null) {
            return held;
        }
        try {
            for (String line : new String(shadowed, StandardCharsets.US_ASCII).split("\n")) {
                if (!line.isEmpty()) {
                    int space = line.indexOf(' ');
                    held.set(Integer.parseInt(line.substring(0, space)), Version.parse(line.substring(space + 1)));
                }
            }
            return held;
        }
        catch (RuntimeException ex) {
            throw new MalformedVersionedException("a replica's answer to a batch is malformed: " + ex.getMessage());
        }
    }

    public static byte[] encodeReads(List<String> keys) {
        List<byte[]> encoded = keys.stream().map(key -> key.getBytes(StandardCharsets.UTF_8)).toList();
        ByteBuffer buffer = ByteBuffer.allocate(4 + encoded.stream().mapToInt(key -> 2 + key.length).sum()).putInt(keys.size());
        encoded.forEach(key -> buffer.putShort((short) key.length).put(key));
        return buffer.array();
    }

    /** @throws MalformedVersionedException when the body is not exactly a well-formed list of valid keys */
    public static List<String> decodeReads(byte[] body) {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(body);
            int count = buffer.getInt();
            requireCount(count, MAX_WRITES, "keys");
            List<String> keys = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                keys.add(readKey(buffer));
            }
            requireEnd(buffer, count, "keys");
            return keys;
        }
        catch (BufferUnderflowException | IllegalArgumentException ex) {
            throw malformed(ex);
        }
    }

    /**
     * The answer to a batched read: the first answers in order, as many as fit in {@code budgetBytes} but
     * always at least one (a single value may be as large as the client limit allows).
     */
    public static byte[] encodeReadAnswers(List<Optional<Versioned>> answers, int budgetBytes) {
        List<byte[]> included = new ArrayList<>(answers.size());
        int size = 4;
        for (Optional<Versioned> answer : answers) {
            byte[] value = answer.map(VersionedCodec::encode).orElse(null);
            int entrySize = 4 + (value == null ? 0 : value.length);
            if (!included.isEmpty() && size + entrySize > budgetBytes) {
                break;
            }
            included.add(value);
            size += entrySize;
        }
        ByteBuffer buffer = ByteBuffer.allocate(size).putInt(included.size());
        for (byte[] value : included) {
            if (value == null) {
                buffer.putInt(ABSENT);
            }
            else {
                buffer.putInt(value.length).put(value);
            }
        }
        return buffer.array();
    }

    /**
     * @param asked how many keys the read asked for
     * @return the answers to the first 1..asked keys, in order
     * @throws MalformedVersionedException when the body is not exactly such a well-formed answer
     */
    public static List<Optional<Versioned>> decodeReadAnswers(byte[] body, int asked) {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(body);
            int count = buffer.getInt();
            requireCount(count, asked, "answers");
            List<Optional<Versioned>> answers = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int length = buffer.getInt();
                if (length == ABSENT) {
                    answers.add(Optional.empty());
                    continue;
                }
                if (length < 0 || length > buffer.remaining()) {
                    throw new MalformedVersionedException("answer " + i + " is truncated");
                }
                answers.add(Optional.of(VersionedCodec.decode(view(buffer, length))));
            }
            requireEnd(buffer, count, "answers");
            return answers;
        }
        catch (BufferUnderflowException | IllegalArgumentException ex) {
            throw malformed(ex);
        }
    }

    private static String readKey(ByteBuffer buffer) {
        return Keys.requireValid(VersionedCodec.utf8(bytes(buffer, buffer.getShort() & 0xFFFF)));
    }

    private static void requireCount(int count, int max, String what) {
        if (count < 1 || count > max) {
            throw new MalformedVersionedException("a batch holds 1.." + max + " " + what + ", not " + count);
        }
    }

    private static void requireEnd(ByteBuffer buffer, int count, String what) {
        if (buffer.hasRemaining()) {
            throw new MalformedVersionedException("trailing bytes after " + count + " " + what);
        }
    }

    private static MalformedVersionedException malformed(RuntimeException ex) {
        return ex instanceof MalformedVersionedException malformed ? malformed
                : new MalformedVersionedException("batch: " + (ex.getMessage() == null ? "truncated" : ex.getMessage()));
    }

    /** The next {@code length} bytes as a buffer of their own, without copying them; the buffer moves past them. */
    private static ByteBuffer view(ByteBuffer buffer, int length) {
        ByteBuffer view = buffer.slice(buffer.position(), length);
        buffer.position(buffer.position() + length);
        return view;
    }

    private static byte[] bytes(ByteBuffer buffer, int length) {
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return bytes;
    }
}
