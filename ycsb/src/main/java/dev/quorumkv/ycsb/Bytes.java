package dev.quorumkv.ycsb;

import java.util.Arrays;

/**
 * A growable byte array written front to back. Each client thread keeps its own and clears it per
 * operation, so building a request costs no allocation once the buffer has grown to the record size.
 */
final class Bytes {

    byte[] array;
    int length;

    Bytes(int capacity) {
        array = new byte[capacity];
    }

    void clear() {
        length = 0;
    }

    /** Makes room for {@code more} bytes after {@link #length}. */
    void ensure(int more) {
        if (more < 0 || length + more < 0) {
            throw new IllegalArgumentException("more than 2 GiB in one buffer");
        }
        if (length + more > array.length) {
            array = Arrays.copyOf(array, Math.max(length + more, array.length * 2));
        }
    }

    void put(byte b) {
        ensure(1);
        array[length++] = b;
    }

    void put(byte[] bytes) {
        put(bytes, 0, bytes.length);
    }

    void put(byte[] bytes, int offset, int count) {
        ensure(count);
        System.arraycopy(bytes, offset, array, length, count);
        length += count;
    }

    void putShort(int value) {
        ensure(2);
        array[length++] = (byte) (value >>> 8);
        array[length++] = (byte) value;
    }

    void putInt(int value) {
        ensure(4);
        array[length++] = (byte) (value >>> 24);
        array[length++] = (byte) (value >>> 16);
        array[length++] = (byte) (value >>> 8);
        array[length++] = (byte) value;
    }

    /** A non-negative number in decimal ASCII, as a Content-Length wants it. */
    void putDecimal(int value) {
        if (value >= 10) {
            putDecimal(value / 10);
        }
        put((byte) ('0' + value % 10));
    }
}
