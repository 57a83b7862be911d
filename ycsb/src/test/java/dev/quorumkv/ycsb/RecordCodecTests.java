package dev.quorumkv.ycsb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import site.ycsb.ByteIterator;
import site.ycsb.RandomByteIterator;

class RecordCodecTests {

    @Test
    void valuesAsYcsbMakesThemAreCopiedWhole() {
        Map<String, ByteIterator> record = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            record.put("field" + i, new RandomByteIterator(100));
        }
        // A buffer larger than the record: YCSB's generator must still stop at each value's length.
        Bytes out = new Bytes(64 * 1024);

        new RecordCodec().encode(record, out);

        assertThat(out.length).isEqualTo(10 * (2 + "field0".length() + 4 + 100));
        Map<String, ByteIterator> decoded = new HashMap<>();
        RecordCodec.decode(out.array, 0, out.length, null, decoded);
        assertThat(decoded).hasSize(10);
        assertThat(decoded.values()).allSatisfy(value -> assertThat(value.bytesLeft()).isEqualTo(100));
    }

    @Test
    void aValueThatIsNotARecordIsRefused() {
        Map<String, ByteIterator> record = new LinkedHashMap<>();
        record.put("field0", new RandomByteIterator(10));
        Bytes out = new Bytes(16);
        new RecordCodec().encode(record, out);

        for (int cut = 1; cut < out.length; cut++) {
            byte[] truncated = Arrays.copyOf(out.array, cut);
            assertThatThrownBy(() -> RecordCodec.decode(truncated, 0, truncated.length, null, new HashMap<>()))
                    .as("cut at %d", cut).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
