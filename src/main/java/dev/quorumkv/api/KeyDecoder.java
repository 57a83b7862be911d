package dev.quorumkv.api;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;

import dev.quorumkv.storage.Keys;
import dev.quorumkv.storage.Keys.InvalidKeyException;
import dev.quorumkv.storage.StrictUtf8;

/**
 * Decodes the key from the raw request path, strictly: a malformed percent-escape or bytes that are not
 * UTF-8 are a 400, where a lenient decoder would silently store a different key (U+FFFD in place of the
 * bad bytes). {@code %2F} decodes to a '/' inside the key, as one path segment should.
 */
final class KeyDecoder {

    private KeyDecoder() {
    }

    static String fromRawPath(String rawPath, String prefix) {
        String raw = rawPath.startsWith(prefix) ? rawPath.substring(prefix.length()) : "";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new InvalidKeyException("the key has an incomplete percent-escape at position " + i);
                }
                int high = Character.digit(raw.charAt(i + 1), 16);
                int low = Character.digit(raw.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    throw new InvalidKeyException("the key has an invalid percent-escape at position " + i);
                }
                bytes.write(high << 4 | low);
                i += 2;
            }
            else if (c == '/') {
                throw new InvalidKeyException("the key must be one path segment: encode '/' as %2F");
            }
            else {
                // The container hands over raw bytes above ASCII as ISO-8859-1 chars: keep the byte.
                bytes.write(c & 0xFF);
            }
        }
        return Keys.requireValid(utf8(bytes.toByteArray()));
    }

    private static String utf8(byte[] bytes) {
        try {
            return StrictUtf8.decode(bytes);
        }
        catch (CharacterCodingException ex) {
            throw new InvalidKeyException("the key is not valid UTF-8 once percent-decoded");
        }
    }
}
