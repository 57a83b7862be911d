package dev.quorumkv.storage;

import java.util.Comparator;

/**
 * The order of keys by the unsigned bytes of their UTF-8, as RocksDB sorts them: the order of their code
 * points. {@link String#compareTo} differs from it for characters beyond the Basic Multilingual Plane, so
 * replicas comparing key lists page by page use this one.
 */
public final class KeyOrder {

    public static final Comparator<String> UTF8 = KeyOrder::compare;

    private KeyOrder() {
    }

    public static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }
}
