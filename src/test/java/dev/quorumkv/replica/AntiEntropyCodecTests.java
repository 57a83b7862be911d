package dev.quorumkv.replica;

import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.quorumkv.antientropy.KeyStamp;
import dev.quorumkv.antientropy.SegmentSelection;
import dev.quorumkv.antientropy.StampPage;
import dev.quorumkv.replica.AntiEntropyCodec.MalformedAntiEntropyException;
import dev.quorumkv.storage.Stamp;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AntiEntropyCodecTests {

    @Test
    void hashesSelectionsAndPagesSurviveTheRoundTrip() {
        long[] hashes = {0, -1, Long.MIN_VALUE, 42};
        BitSet segments = new BitSet();
        segments.set(0);
        segments.set(SegmentSelection.segmentsPerPartition() - 1);
        TreeMap<Integer, BitSet> byPartition = new TreeMap<>();
        byPartition.put(3, segments);
        byPartition.put(1000, (BitSet) segments.clone());
        SegmentSelection selection = new SegmentSelection(byPartition);
        StampPage page = new StampPage(List.of(
                new KeyStamp("k\u00e9\uD83D\uDE00", new Stamp(new Version(1_767_225_600_000L, 3, "node-1"), false)),
                new KeyStamp("gone", new Stamp(new Version(5, 0, "n2"), true))), true);

        assertThat(AntiEntropyCodec.decodeHashes(AntiEntropyCodec.encodeHashes(hashes))).containsExactly(hashes);
        var request = AntiEntropyCodec.decodeSelection(AntiEntropyCodec.encodeSelection(selection, "after-\u00e9"), 1024);
        assertThat(request.selection()).isEqualTo(selection);
        assertThat(request.after()).isEqualTo("after-\u00e9");
        assertThat(AntiEntropyCodec.decodeSelection(AntiEntropyCodec.encodeSelection(selection, null), 1024).after()).isNull();
        assertThat(AntiEntropyCodec.decodePage(AntiEntropyCodec.encodePage(page))).isEqualTo(page);
    }

    @Test
    void aMalformedBodyIsRefusedAsBadInput() {
        byte[] selection = AntiEntropyCodec.encodeSelection(new SegmentSelection(new TreeMap<>(Map.of(7, new BitSet()))), null);
        byte[] page = AntiEntropyCodec.encodePage(new StampPage(List.of(new KeyStamp("k", new Stamp(new Version(1, 0, "n1"), false))), false));

        assertThatThrownBy(() -> AntiEntropyCodec.decodeHashes(new byte[7])).isInstanceOf(MalformedAntiEntropyException.class);
        assertThatThrownBy(() -> AntiEntropyCodec.decodeSelection(selection, 4)).isInstanceOf(MalformedAntiEntropyException.class);
        assertThatThrownBy(() -> AntiEntropyCodec.decodeSelection(Arrays.copyOf(selection, selection.length - 1), 1024))
                .isInstanceOf(MalformedAntiEntropyException.class);
        assertThatThrownBy(() -> AntiEntropyCodec.decodePage(Arrays.copyOf(page, page.length + 1)))
                .isInstanceOf(MalformedAntiEntropyException.class);
        assertThatThrownBy(() -> AntiEntropyCodec.decodePage(Arrays.copyOf(page, page.length - 3)))
                .isInstanceOf(MalformedAntiEntropyException.class);
    }
}
