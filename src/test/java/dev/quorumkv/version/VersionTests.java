package dev.quorumkv.version;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

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
}
