package dev.quorumkv.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import dev.quorumkv.storage.VersionedCodec.MalformedVersionedException;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplicaBatchCodecTests {

    private final List<KeyedValue> writes = List.of(
            new KeyedValue("a/b", Versioned.value(new Version(1, 0, "n1"), "text/plain", "x".getBytes(StandardCharsets.UTF_8))),
            new KeyedValue("ключ", Versioned.tombstone(new Version(2, 3, "n2"))));

    @Test
    void aBatchRoundTrips() {
        List<KeyedValue> decoded = ReplicaBatchCodec.decode(ReplicaBatchCodec.encode(writes));

        assertThat(decoded).extracting(KeyedValue::key).containsExactly("a/b", "ключ");
        assertThat(decoded.get(0).value().value()).isEqualTo("x".getBytes(StandardCharsets.UTF_8));
        assertThat(decoded.get(1).value().isTombstone()).isTrue();
    }

    @Test
    void everyTruncationAndTrailingGarbageIsRefusedWhole() {
        byte[] encoded = ReplicaBatchCodec.encode(writes);
        for (int length = 0; length < encoded.length; length++) {
            byte[] truncated = Arrays.copyOf(encoded, length);
            assertThatThrownBy(() -> ReplicaBatchCodec.decode(truncated)).isInstanceOf(MalformedVersionedException.class);
        }
        assertThatThrownBy(() -> ReplicaBatchCodec.decode(Arrays.copyOf(encoded, encoded.length + 1)))
                .isInstanceOf(MalformedVersionedException.class);
    }

    @Test
    void countsOutsideTheLimitsAndInvalidKeysAreRefused() {
        assertThatThrownBy(() -> ReplicaBatchCodec.decode(ByteBuffer.allocate(4).putInt(0).array()))
                .isInstanceOf(MalformedVersionedException.class);
        assertThatThrownBy(() -> ReplicaBatchCodec.decode(ByteBuffer.allocate(4).putInt(ReplicaBatchCodec.MAX_WRITES + 1).array()))
                .isInstanceOf(MalformedVersionedException.class);
        byte[] emptyKey = ReplicaBatchCodec.encode(List.of(new KeyedValue("k", writes.get(1).value())));
        emptyKey[4] = 0;
        emptyKey[5] = 0;
        assertThatThrownBy(() -> ReplicaBatchCodec.decode(emptyKey)).isInstanceOf(MalformedVersionedException.class);
    }
}
