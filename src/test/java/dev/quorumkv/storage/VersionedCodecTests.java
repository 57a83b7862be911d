package dev.quorumkv.storage;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.quorumkv.storage.VersionedCodec.MalformedVersionedException;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VersionedCodecTests {

    private final Versioned value = Versioned.value(new Version(1_763_935_200_000L, 3, "node2"),
            "application/x-www-form-urlencoded", "a=b&c=d".getBytes(StandardCharsets.UTF_8));

    @Test
    void valuesAndTombstonesRoundTrip() {
        Versioned decoded = VersionedCodec.decode(VersionedCodec.encode(value));
        assertThat(decoded.version()).isEqualTo(value.version());
        assertThat(decoded.contentType()).isEqualTo(value.contentType());
        assertThat(decoded.value()).isEqualTo(value.value());

        Versioned tombstone = Versioned.tombstone(new Version(5, 0, "n"));
        assertThat(VersionedCodec.decode(VersionedCodec.encode(tombstone)).isTombstone()).isTrue();
    }

    @Test
    void everyTruncationAndAnyTrailingByteIsRefused() {
        byte[] encoded = VersionedCodec.encode(value);
        for (int length = 0; length < encoded.length; length++) {
            byte[] truncated = Arrays.copyOf(encoded, length);
            assertThatThrownBy(() -> VersionedCodec.decode(truncated)).isInstanceOf(MalformedVersionedException.class);
        }
        byte[] longer = Arrays.copyOf(encoded, encoded.length + 1);
        assertThatThrownBy(() -> VersionedCodec.decode(longer)).isInstanceOf(MalformedVersionedException.class);
    }

    @Test
    void garbageIsRefused() {
        assertThatThrownBy(() -> VersionedCodec.decode("hello world, not a value".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedVersionedException.class);
        byte[] badNode = VersionedCodec.encode(value);
        badNode[1 + 1 + 8 + 4 + 2] = ' ';
        assertThatThrownBy(() -> VersionedCodec.decode(badNode)).isInstanceOf(MalformedVersionedException.class);
    }
}
