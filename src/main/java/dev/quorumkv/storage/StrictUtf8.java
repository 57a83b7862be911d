package dev.quorumkv.storage;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes UTF-8 strictly: malformed bytes are refused, never replaced with U+FFFD, so a key or a stored
 * string can never silently become a different one. Callers turn the refusal into their own error.
 */
public final class StrictUtf8 {

    private StrictUtf8() {
    }

    /** @throws CharacterCodingException when the bytes are not valid UTF-8 */
    public static String decode(byte[] bytes) throws CharacterCodingException {
        if (isAscii(bytes)) {
            // The common case (node ids, media types, most keys) needs no decoder: ASCII is valid UTF-8.
            return new String(bytes, StandardCharsets.US_ASCII);
        }
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes)).toString();
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }
}
