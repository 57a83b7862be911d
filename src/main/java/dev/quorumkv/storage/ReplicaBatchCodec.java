package dev.quorumkv.storage;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.quorumkv.storage.VersionedCodec.MalformedVersionedException;

/**
 * The body of a batched replica write: {@code count(4)} then, per write, {@code keyLen(2) key
 * valueLen(4) <VersionedCodec bytes>}. Decoding validates every entry before returning any, so a malformed
 * or truncated batch is refused whole and nothing of it is stored.
 */
public final class ReplicaBatchCodec {

    /** More writes than this in one body are refused: a peer never sends that many. */
    public static final int MAX_WRITES = 4096;

    private ReplicaBatchCodec() {
    }

    public static byte[] encode(List<KeyedValue> writes) {
        List<byte[]> keys = new ArrayList<>(writes.size());
        List<byte[]> values = new ArrayList<>(writes.size());
        int size = 4;
        for (KeyedValue write : writes) {
            byte[] key = write.key().getBytes(StandardCharsets.UTF_8);
            byte[] value = VersionedCodec.encode(write.value());
            keys.add(key);
            values.add(value);
            size += 2 + key.length + 4 + value.length;
        }
        ByteBuffer buffer = ByteBuffer.allocate(size).putInt(writes.size());
        for (int i = 0; i < writes.size(); i++) {
            buffer.putShort((short) keys.get(i).length).put(keys.get(i)).putInt(values.get(i).length).put(values.get(i));
        }
        return buffer.array();
    }

    /** @throws MalformedVersionedException when the body is not exactly a well-formed batch of valid keys */
    public static List<KeyedValue> decode(byte[] body) {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(body);
            int count = buffer.getInt();
            if (count < 1 || count > MAX_WRITES) {
                throw new MalformedVersionedException("a batch holds 1.." + MAX_WRITES + " writes, not " + count);
            }
            List<KeyedValue> writes = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String key = Keys.requireValid(VersionedCodec.utf8(bytes(buffer, buffer.getShort() & 0xFFFF)));
                int length = buffer.getInt();
                if (length < 0 || length > buffer.remaining()) {
                    throw new MalformedVersionedException("write " + i + " is truncated");
                }
                writes.add(new KeyedValue(key, VersionedCodec.decode(bytes(buffer, length))));
            }
            if (buffer.hasRemaining()) {
                throw new MalformedVersionedException("trailing bytes after " + count + " writes");
            }
            return writes;
        }
        catch (BufferUnderflowException | IllegalArgumentException ex) {
            throw ex instanceof MalformedVersionedException malformed ? malformed
                    : new MalformedVersionedException("batch: " + (ex.getMessage() == null ? "truncated" : ex.getMessage()));
        }
    }

    private static byte[] bytes(ByteBuffer buffer, int length) {
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return bytes;
    }
}
