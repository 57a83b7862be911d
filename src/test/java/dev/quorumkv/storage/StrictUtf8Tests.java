package dev.quorumkv.storage;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StrictUtf8Tests {

    @Test
    void decodesAsciiAndMultiByteUtf8() throws CharacterCodingException {
        assertThat(StrictUtf8.decode("node-1.a_b".getBytes(StandardCharsets.UTF_8))).isEqualTo("node-1.a_b");
        assertThat(StrictUtf8.decode("ключ/€/😀".getBytes(StandardCharsets.UTF_8))).isEqualTo("ключ/€/😀");
        assertThat(StrictUtf8.decode(new byte[0])).isEmpty();
    }

    @Test
    void refusesWhatALenientDecoderWouldReplace() {
        byte[][] malformed = {
                {(byte) 0xC3}, // a lead byte without its continuation
                {'a', (byte) 0x80, 'b'}, // a lone continuation byte
                {(byte) 0xC0, (byte) 0xAF}, // an overlong '/'
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // an encoded surrogate
                {(byte) 0xFF}};
        for (byte[] bytes : malformed) {
            assertThatThrownBy(() -> StrictUtf8.decode(bytes)).isInstanceOf(CharacterCodingException.class);
        }
    }
}
