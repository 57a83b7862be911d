package dev.quorumkv.storage;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.version.Version;

/**
 * The one binary form of a {@link Versioned}, used both on disk and between replicas, so a replica can
 * store what it receives without re-encoding. Layout (big-endian):
 * {@code format(1) flags(1) wallMillis(8) counter(4) nodeIdLen(2) nodeId contentTypeLen(2) contentType
 * valueLen(4) value}. Decoding checks every length and rejects trailing bytes: a truncated or malformed
 * body must never be stored.
 */
public final class VersionedCodec {

    private static final byte FORMAT = 1;
    private static final byte TOMBSTONE = 1;

    private VersionedCodec() {
    }

    /** The encoded form in one array: what the store keeps. */
    public static byte[] encode(Versioned versioned) {
        byte[] value = versioned.isTombstone() ? new byte[0] : versioned.value();
        return head(versioned, value.length, value.length).put(value).array();
    }

    /**
     * The encoded form but for the value's bytes, which follow it unchanged: a sender can put the value on
     * the wire behind this head as it is, instead of copying it into one array first (the value is the bulk
     * of a write, and a coordinator sends it to every peer).
     */
    public static byte[] encodeHead(Versioned versioned) {
        return head(versioned, versioned.isTombstone() ? 0 : versioned.value().length, 0).array();
    }

    /** A buffer holding the head, with room for {@code room} more bytes. */
    private static ByteBuffer head(Versioned versioned, int valueLength, int room) {
        byte[] nodeId = versioned.version().nodeId().getBytes(StandardCharsets.UTF_8);
        byte[] contentType = versioned.isTombstone() ? new byte[0]
                : versioned.contentType().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(1 + 1 + 8 + 4 + 2 + nodeId.length + 2 + contentType.length + 4 + room);
        return buffer.put(FORMAT).put(versioned.isTombstone() ? TOMBSTONE : 0)
                .putLong(versioned.version().wallMillis()).putInt(versioned.version().counter())
                .putShort((short) nodeId.length).put(nodeId)
                .putShort((short) contentType.length).put(contentType)
                .putInt(valueLength);
    }

    /** @throws MalformedVersionedException when the bytes are not exactly one encoded {@link Versioned} */
    public static Versioned decode(byte[] bytes) {
        return decode(ByteBuffer.wrap(bytes));
    }

    /**
     * Decodes exactly the buffer's remaining bytes (a view into a larger body needs no copy of its own).
     *
     * @throws MalformedVersionedException when they are not exactly one encoded {@link Versioned}
     */
    public static Versioned decode(ByteBuffer buffer) {
        try {
            if (buffer.get() != FORMAT) {
                throw new MalformedVersionedException("unknown format");
            }
            byte flags = buffer.get();
            if (flags != 0 && flags != TOMBSTONE) {
                throw new MalformedVersionedException("unknown flags");
            }
            Version version = new Version(buffer.getLong(), buffer.getInt(), readString(buffer, buffer.getShort() & 0xFFFF));
            String contentType = readString(buffer, buffer.getShort() & 0xFFFF);
            int valueLength = buffer.getInt();
            if (valueLength < 0 || valueLength != buffer.remaining()) {
                throw new MalformedVersionedException("value length does not match the body");
            }
            if (flags == TOMBSTONE) {
                if (valueLength != 0 || !contentType.isEmpty()) {
                    throw new MalformedVersionedException("a tombstone carries no value");
                }
                return Versioned.tombstone(version);
            }
            byte[] value = new byte[valueLength];
            buffer.get(value);
            return Versioned.value(version, contentType, value);
        }
        catch (BufferUnderflowException | IllegalArgumentException ex) {
            throw ex instanceof MalformedVersionedException malformed ? malformed
                    : new MalformedVersionedException("truncated or invalid: " + ex.getMessage());
        }
    }

    /** Only the version of an encoded value, for comparisons that need nothing else. */
    public static Version decodeVersion(byte[] bytes) {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            if (buffer.get() != FORMAT) {
                throw new MalformedVersionedException("unknown format");
            }
            buffer.get();
            return new Version(buffer.getLong(), buffer.getInt(), readString(buffer, buffer.getShort() & 0xFFFF));
        }
        catch (BufferUnderflowException ex) {
            throw new MalformedVersionedException("truncated version");
        }
    }

    /** Only the version and the tombstone flag of an encoded value: what hash trees need, without the value's bytes. */
    public static Stamp decodeStamp(byte[] bytes) {
        return new Stamp(decodeVersion(bytes), bytes[1] == TOMBSTONE);
    }

    /** Strict UTF-8 ({@link StrictUtf8}): malformed bytes make the value malformed. */
    public static String utf8(byte[] bytes) {
        try {
            return StrictUtf8.decode(bytes);
        }
        catch (CharacterCodingException ex) {
            throw new MalformedVersionedException("invalid UTF-8");
        }
    }

    private static String readString(ByteBuffer buffer, int length) {
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return utf8(bytes);
    }

    /** The bytes are not a well-formed encoded {@link Versioned}. */
    public static class MalformedVersionedException extends InvalidInputException {

        public MalformedVersionedException(String reason) {
            super("Malformed replica request", "malformed versioned value: " + reason);
        }
    }
}
