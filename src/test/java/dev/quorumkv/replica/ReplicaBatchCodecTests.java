package dev.quorumkv.replica;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.VersionedCodec;
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

    @Test
    void aReadBatchAndItsAnswerRoundTripInOrderWithAbsentKeys() {
        assertThat(ReplicaBatchCodec.decodeReads(ReplicaBatchCodec.encodeReads(List.of("a/b", "ключ", "c"))))
                .containsExactly("a/b", "ключ", "c");

        List<Optional<Versioned>> answers = List.of(Optional.of(writes.get(0).value()), Optional.empty(), Optional.of(writes.get(1).value()));
        List<Optional<Versioned>> decoded = ReplicaBatchCodec.decodeReadAnswers(ReplicaBatchCodec.encodeReadAnswers(answers, 1 << 20), 3);

        assertThat(decoded).hasSize(3);
        assertThat(decoded.get(0).orElseThrow().value()).isEqualTo("x".getBytes(StandardCharsets.UTF_8));
        assertThat(decoded.get(1)).isEmpty();
        assertThat(decoded.get(2).orElseThrow().isTombstone()).isTrue();
    }

    @Test
    void anAnswerStopsAtItsBudgetButAlwaysCoversTheFirstKey() {
        Versioned big = Versioned.value(new Version(1, 0, "n1"), "application/octet-stream", new byte[1000]);
        List<Optional<Versioned>> answers = List.of(Optional.of(big), Optional.of(big), Optional.of(big));

        assertThat(ReplicaBatchCodec.decodeReadAnswers(ReplicaBatchCodec.encodeReadAnswers(answers, 10), 3))
                .as("the first value alone is over the budget, and still answered").hasSize(1);
        assertThat(ReplicaBatchCodec.decodeReadAnswers(ReplicaBatchCodec.encodeReadAnswers(answers, 2500), 3)).hasSize(2);
        assertThat(ReplicaBatchCodec.decodeReadAnswers(ReplicaBatchCodec.encodeReadAnswers(answers, 5000), 3)).hasSize(3);
    }

    @Test
    void malformedReadBatchesAndAnswersAreRefusedWhole() {
        byte[] reads = ReplicaBatchCodec.encodeReads(List.of("a", "bb"));
        byte[] answer = ReplicaBatchCodec.encodeReadAnswers(List.of(Optional.of(writes.get(0).value()), Optional.empty()), 1 << 20);
        Consumer<byte[]> decodeReads = ReplicaBatchCodec::decodeReads;
        Consumer<byte[]> decodeAnswers = body -> ReplicaBatchCodec.decodeReadAnswers(body, 2);
        for (int length = 0; length < reads.length; length++) {
            byte[] truncated = Arrays.copyOf(reads, length);
            assertThatThrownBy(() -> decodeReads.accept(truncated)).isInstanceOf(MalformedVersionedException.class);
        }
        for (int length = 0; length < answer.length; length++) {
            byte[] truncated = Arrays.copyOf(answer, length);
            assertThatThrownBy(() -> decodeAnswers.accept(truncated)).isInstanceOf(MalformedVersionedException.class);
        }
        assertThatThrownBy(() -> decodeReads.accept(Arrays.copyOf(reads, reads.length + 1))).isInstanceOf(MalformedVersionedException.class);
        assertThatThrownBy(() -> decodeAnswers.accept(Arrays.copyOf(answer, answer.length + 1))).isInstanceOf(MalformedVersionedException.class);
        assertThatThrownBy(() -> ReplicaBatchCodec.decodeReadAnswers(answer, 1))
                .as("more answers than keys asked").isInstanceOf(MalformedVersionedException.class);
        assertThatThrownBy(() -> decodeReads.accept(ByteBuffer.allocate(4).putInt(0).array())).isInstanceOf(MalformedVersionedException.class);
        byte[] emptyKey = ReplicaBatchCodec.encodeReads(List.of("k"));
        emptyKey[5] = 0;
        assertThatThrownBy(() -> decodeReads.accept(emptyKey)).isInstanceOf(MalformedVersionedException.class);
    }
}
