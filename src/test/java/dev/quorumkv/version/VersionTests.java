package dev.quorumkv.version;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VersionTests {

    @Test
    void textFormRoundTrips() {
        Version version = new Version(1_763_935_200_123L, 42, "quorumkv-0.quorumkv-headless");

        assertThat(Version.parse(version.toString())).isEqualTo(version);
        assertThat(version.toString()).isEqualTo("1763935200123.42.quorumkv-0.quorumkv-headless");
    }

    @Test
    void orderIsWallThenCounterThenNode() {
        assertThat(new Version(2, 0, "a")).isGreaterThan(new Version(1, 99, "z"));
        assertThat(new Version(1, 2, "a")).isGreaterThan(new Version(1, 1, "z"));
        assertThat(new Version(1, 1, "b")).isGreaterThan(new Version(1, 1, "a"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "1.2", "1.2.", "-1.0.n", "1.-2.n", "1.2.bad id", "1.2.n\u0000", "99999999999999999999.0.n", "1.2.3 4"})
    void malformedTextIsRefusedWithAHint(String text) {
        assertThatThrownBy(() -> Version.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    /** The hand-written check accepts exactly what the documented pattern does. */
    @Test
    void nodeIdCheckAgreesWithItsPattern() {
        Pattern documented = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");
        List<String> samples = new ArrayList<>(List.of("", "a", "node1", "n.1_x-Y", ".a", "-a", "_a", "a b", "a/b", "ä", "a:b",
                "x".repeat(253), "x".repeat(254), "9", "A-", "a\n"));
        Random random = new Random(42);
        String alphabet = "aZ09._-/ :é";
        for (int i = 0; i < 5_000; i++) {
            StringBuilder id = new StringBuilder();
            for (int length = random.nextInt(8); length > 0; length--) {
                id.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            samples.add(id.toString());
        }
        for (String id : samples) {
            assertThat(Version.isValidNodeId(id)).as("'%s'", id).isEqualTo(documented.matcher(id).matches());
        }
        assertThat(Version.isValidNodeId(null)).isFalse();
    }
}
