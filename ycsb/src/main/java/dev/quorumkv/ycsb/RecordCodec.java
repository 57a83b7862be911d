package dev.quorumkv.ycsb;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;

/**
 * A YCSB record (field name to value) as the bytes of one quorumkv value: per field, in the map's order,
 * a 2-byte big-endian name length, the name in UTF-8, a 4-byte big-endian value length, the value.
 * Nothing else: no count, no header. A binary format because JSON would cost the client CPU that, on a
 * small machine, the nodes under test need.
 */
final class RecordCodec {

    /** YCSB's field names repeat ("field0".."field9"); their bytes are made once, up to a bound. */
    private static final int MAX_CACHED_NAMES = 1024;

    private final Map<String, byte[]> names = new HashMap<>();

    void encode(Map<String, ByteIterator> record, Bytes out) {
        for (Map.Entry<String, ByteIterator> field : record.entrySet()) {
            byte[] name = nameBytes(field.getKey());
            if (name.length > 0xFFFF) {
                throw new IllegalArgumentException("a field name longer than 65535 bytes");
            }
            out.putShort(name.length);
            out.put(name);
            ByteIterator value = field.getValue();
            long size = value.bytesLeft();
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("a value larger than 2 GiB");
            }
            out.putInt((int) size);
            out.ensure((int) size);
            int end = out.length + (int) size;
            // nextBuf copies straight into the request buffer: YCSB's RandomByteIterator fills it in bulk.
            while (out.length < end && value.hasNext()) {
                out.length = value.nextBuf(out.array, out.length);
            }
            if (out.length != end) {
                throw new IllegalStateException("a value gave other than the " + size + " bytes it announced");
            }
        }
    }

    /**
     * Puts the fields of the record in {@code bytes[offset, offset + count)} into {@code result}, only
     * those named in {@code fields} unless it is null. The values are views into {@code bytes}.
     */
    static void decode(byte[] bytes, int offset, int count, Set<String> fields, Map<String, ByteIterator> result) {
        int at = offset;
        int end = offset + count;
        while (at < end) {
            if (end - at < 2) {
                throw malformed();
            }
            int nameLength = (bytes[at] & 0xFF) << 8 | bytes[at + 1] & 0xFF;
            at += 2;
            if (end - at < nameLength + 4) {
                throw malformed();
            }
            String name = new String(bytes, at, nameLength, UTF_8);
            at += nameLength;
            int valueLength = (bytes[at] & 0xFF) << 24 | (bytes[at + 1] & 0xFF) << 16
                    | (bytes[at + 2] & 0xFF) << 8 | bytes[at + 3] & 0xFF;
            at += 4;
            if (valueLength < 0 || valueLength > end - at) {
                throw malformed();
            }
            if (fields == null || fields.contains(name)) {
                result.put(name, new ByteArrayByteIterator(bytes, at, valueLength));
            }
            at += valueLength;
        }
    }

    private byte[] nameBytes(String name) {
        byte[] bytes = names.get(name);
        if (bytes == null) {
            bytes = name.getBytes(UTF_8);
            if (names.size() < MAX_CACHED_NAMES) {
                names.put(name, bytes);
            }
        }
        return bytes;
    }

    private static IllegalArgumentException malformed() {
        return new IllegalArgumentException("the stored value is not a record this binding wrote");
    }
}
