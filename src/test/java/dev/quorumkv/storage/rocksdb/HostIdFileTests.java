package dev.quorumkv.storage.rocksdb;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.quorumkv.storage.HostId;
import dev.quorumkv.storage.StorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostIdFileTests {

    @TempDir
    Path dir;

    @Test
    void aDirectoryKeepsItsHostIdAndANewDirectoryGetsAnother() {
        HostId first = HostIdFile.loadOrCreate(dir.resolve("node1"));

        assertThat(HostIdFile.loadOrCreate(dir.resolve("node1"))).isEqualTo(first);
        assertThat(HostIdFile.loadOrCreate(dir.resolve("wiped"))).isNotEqualTo(first);
    }

    @Test
    void aDamagedHostIdStopsTheNodeRatherThanGivingItANewIdentity() throws Exception {
        Files.writeString(dir.resolve(HostIdFile.FILE_NAME), "not-a-uuid");

        assertThatThrownBy(() -> HostIdFile.loadOrCreate(dir)).isInstanceOf(StorageException.class)
                .hasMessageContaining("cannot read the host id");
    }
}
