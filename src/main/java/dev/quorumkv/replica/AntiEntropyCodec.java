package dev.quorumkv.replica;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

import dev.quorumkv.InvalidInputException;
import dev.quorumkv.antientropy.KeyStamp;
import dev.quorumkv.antientropy.SegmentSelection;
import dev.quorumkv.antientropy.StampPage;
import dev.quorumkv.storage.Keys;
import dev.quorumkv.storage.Stamp;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.version.Version;

/**
 * The bodies of the anti-entropy calls ({@link InternalApi#AAE_ROOTS_PATH} and its siblings), big-endian:
 * hashes as a plain array of longs; a selection as {@code afterLen(4, -1: none) after count(4)
 * {partition(4) segmentBits(32)}}; a page as {@code more(1) count(4) {keyLen(2) key wallMillis(8) counter(4)
 * nodeIdLen(2) nodeId tombstone(1)}}. Decoding checks every length: a peer's bad body is a 400, never a 500.
 */
public final class AntiEntropyCodec {

    private static final int SEGMENT_WORDS = SegmentSelection.segmentsPerPartition() / Long.SIZE;

    private AntiEntropyCodec() {
    }

    public static byte[] encodeHashes(long[] hashes) {
        ByteBuffer buffer = ByteBuffer.allocate(hashes.length * Long.BYTES);
        buffer.asLongBuffer().put(hashes);
        return buffer.array();
    }

    public static long[] decodeHashes(byte[] body) {
        if (body.length % Long.BYTES != 0) {
            throw new MalformedAntiEntropyException("hashes must be whole 8-byte longs");
        }
        long[] hashes = new long[body.length / Long.BYTES];
        ByteBuffer.wrap(body).asLongBuffer().get(hashes);
        return hashes;
    }

    public static byte[] encodeSelection(SegmentSelection selection, String after) {
        return write(out -> {
            writeOptionalString(out, after);
            out.writeInt(selection.segmentsByPartition().size());
            for (var partition : selection.segmentsByPartition().entrySet()) {
                out.writeInt(partition.getKey());
                long[] words = partition.getValue().toLongArray();
                for (int word = 0; word < SEGMENT_WORDS; word++) {
                    out.writeLong(word < words.length ? words[word] : 0);
                }
            }
        });
    }

    /** A decoded selection request: the segments, and the key the page starts after (null: the first). */
    public record SelectionRequest(SegmentSelection selection, String after) {
    }

    public static SelectionRequest decodeSelection(byte[] body, int partitions) {
        return read(body, buffer -> {
            String after = readOptionalString(buffer);
            int count = buffer.getInt();
            if (count < 0 || count > partitions) {
                throw new MalformedAntiEntropyException("bad partition count");
            }
            SortedMap<Integer, BitSet> segments = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                int partition = buffer.getInt();
                if (partition < 0 || partition >= partitions) {
                    throw new MalformedAntiEntropyException("no partition " + partition);
                }
                long[] words = new long[SEGMENT_WORDS];
                for (int word = 0; word < SEGMENT_WORDS; word++) {
                    words[word] = buffer.getLong();
                }
                segments.put(partition, BitSet.valueOf(words));
            }
            return new SelectionRequest(new SegmentSelection(segments), after);
        });
    }

    public static byte[] encodePage(StampPage page) {
        return write(out -> {
            out.writeBoolean(page.more());
            out.writeInt(page.stamps().size());
            for (KeyStamp entry : page.stamps()) {
                writeString(out, entry.key());
                out.writeLong(entry.stamp().version().wallMillis());
                out.writeInt(entry.stamp().version().counter());
                writeString(out, entry.stamp().version().nodeId());
                out.writeBoolean(entry.stamp().tombstone());
            }
        });
    }

    public static StampPage decodePage(byte[] body) {
        return read(body, buffer -> {
            boolean more = buffer.get() != 0;
            int count = buffer.getInt();
            if (count < 0 || count > buffer.remaining()) {
                throw new MalformedAntiEntropyException("bad entry count");
            }
            List<KeyStamp> stamps = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String key = Keys.requireValid(readString(buffer));
                Version version = new Version(buffer.getLong(), buffer.getInt(), readString(buffer));
                stamps.add(new KeyStamp(key, new Stamp(version, buffer.get() != 0)));
            }
            return new StampPage(stamps, more);
        });
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    private interface Reader<T> {
        T read(ByteBuffer buffer);
    }

    private static <T> T read(byte[] body, Reader<T> reader) {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(body);
            T decoded = reader.read(buffer);
            if (buffer.hasRemaining()) {
                throw new MalformedAntiEntropyException("trailing bytes");
            }
            return decoded;
        }
        catch (BufferUnderflowException | IllegalArgumentException ex) {
            throw ex instanceof MalformedAntiEntropyException malformed ? malformed
                    : new MalformedAntiEntropyException("truncated or invalid: " + ex.getMessage());
        }
    }

    private static void writeString(DataOutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeShort(bytes.length);
        out.write(bytes);
    }

    private static void writeOptionalString(DataOutputStream out, String text) throws IOException {
        if (text == null) {
            out.writeInt(-1);
            return;
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(ByteBuffer buffer) {
        return readBytes(buffer, buffer.getShort() & 0xFFFF);
    }

    private static String readOptionalString(ByteBuffer buffer) {
        int length = buffer.getInt();
        return length == -1 ? null : Keys.requireValid(readBytes(buffer, length));
    }

    private static String readBytes(ByteBuffer buffer, int length) {
        if (length < 0 || length > buffer.remaining()) {
            throw new MalformedAntiEntropyException("bad length");
        }
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return VersionedCodec.utf8(bytes);
    }

    /** A body that is not what the anti-entropy calls exchange. */
    public static class MalformedAntiEntropyException extends InvalidInputException {

        MalformedAntiEntropyException(String reason) {
            super("Malformed anti-entropy request", "malformed anti-entropy body: " + reason);
        }
    }
}
