package dev.quorumkv.storage;

import java.nio.charset.StandardCharsets;

import dev.quorumkv.InvalidInputException;

/** What a key may be, for every entry point: 1..512 bytes of UTF-8. */
public final class Keys {

    public static final int MAX_KEY_BYTES = 512;

    private Keys() {
    }

    /** @throws InvalidKeyException naming the rule the key breaks */
    public static String requireValid(String key) {
        if (key == null || key.isEmpty()) {
            throw new InvalidKeyException("the key is empty: it must be 1.." + MAX_KEY_BYTES + " bytes of UTF-8");
        }
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_KEY_BYTES) {
            throw new InvalidKeyException("the key is " + bytes + " bytes of UTF-8; at most " + MAX_KEY_BYTES + " are allowed");
        }
        return key;
    }

    /** A key that breaks the rules above, or that is not valid percent-encoded UTF-8. */
    public static class InvalidKeyException extends InvalidInputException {

        public InvalidKeyException(String message) {
            super("Invalid key", message);
        }
    }
}
