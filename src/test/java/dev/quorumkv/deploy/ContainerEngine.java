package dev.quorumkv.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The container engine the container tests run on: podman's CLI (image build, {@code kube play})
 * and, for Testcontainers, its Docker-compatible API (bin/container-engine sets both up). A test
 * class extended with {@link Required} runs only where they are and says why it skipped where they
 * are not.
 */
final class ContainerEngine {

    /** The image the container tests run: built from this checkout's Dockerfile by {@link #image()}. */
    static final String IMAGE = "localhost/quorumkv:test";

    /** The repository's root (Maven runs the tests there); absolute, as Testcontainers and podman need. */
    static final Path REPO = Path.of("").toAbsolutePath();

    /**
     * Set by .ci/run: the log of its background `bin/container-engine all` and `image`, which ends
     * with a line {@code rc=<status>}. The container tests wait for that line before they look for
     * the engine, so CI prepares the engine and the image while the other tests run.
     */
    private static final String CI_PREPARATION_LOG = "QUORUMKV_ENGINE_LOG";

    private static final Duration CI_PREPARATION_LIMIT = Duration.ofMinutes(15);

    private static Optional<String> podmanMissing;

    private static boolean imageBuilt;

    private ContainerEngine() {
    }

    /** Why the podman CLI cannot be used here, or empty when it can. */
    static synchronized Optional<String> whyNoPodman() {
        if (podmanMissing == null) {
            podmanMissing = awaitCiPreparation().or(() -> {
                try {
                    Result version = run(Duration.ofSeconds(30), "podman", "version", "--format", "{{.Client.Version}}");
                    return version.ok() ? Optional.empty()
                            : Optional.of("podman does not work here: " + version.output().strip());
                } catch (IOException e) {
                    return Optional.of("no podman on the PATH (bin/container-engine setup installs it)");
                }
            });
        }
        return podmanMissing;
    }

    /**
     * Builds {@link #IMAGE} from the Dockerfile once per test JVM, with the script developers and CI
     * use (bin/container-engine image: the local bases, offline from ~/.m2 when it can). Layers are
     * cached, so an unchanged checkout (CI built it already) takes seconds.
     */
    static synchronized String image() {
        if (!imageBuilt) {
            // Its output is captured and printed, not inherited: the forked test JVM's stdout is
            // Surefire's channel, and bytes written to it behind its back corrupt it.
            Result build;
            try {
                build = run(Duration.ofMinutes(15), Map.of("QUORUMKV_IMAGE", IMAGE),
                        REPO.resolve("bin/container-engine").toString(), "image");
            } catch (IOException e) {
                throw new IllegalStateException("could not run bin/container-engine image", e);
            }
            System.out.print(build.output());
            if (!build.ok()) {
                throw new IllegalStateException("bin/container-engine image failed (exit " + build.exit() + "): " + build.output());
            }
            imageBuilt = true;
        }
        return IMAGE;
    }

    /** Runs podman with a time limit; the output is stdout and stderr together. */
    static Result podman(String... args) {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(List.of(args));
        try {
            return run(Duration.ofMinutes(3), command.toArray(String[]::new));
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + command, e);
        }
    }

    /** Runs podman and fails, with its output, unless it succeeds. */
    static String podmanOk(String... args) {
        Result result = podman(args);
        if (!result.ok()) {
            throw new IllegalStateException("podman " + String.join(" ", args) + " failed (exit " + result.exit() + "): " + result.output());
        }
        return result.output();
    }

    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    private static Result run(Duration limit, String... command) throws IOException {
        return run(limit, Map.of(), command);
    }

    private static Result run(Duration limit, Map<String, String> env, String... command) throws IOException {
        Path output = Files.createTempFile("quorumkv-podman", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, "timed out after " + limit + ": " + String.join(" ", command));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** Waits for CI's background preparation, if there is one; its failure is the reason to skip. */
    private static Optional<String> awaitCiPreparation() {
        String log = System.getenv(CI_PREPARATION_LOG);
        if (log == null || log.isBlank()) {
            return Optional.empty();
        }
        Instant start = Instant.now();
        Instant limit = start.plus(CI_PREPARATION_LIMIT);
        while (Instant.now().isBefore(limit)) {
            List<String> lines = readLines(Path.of(log));
            Optional<String> rc = lines.stream().filter(l -> l.startsWith("rc=")).findFirst();
            if (rc.isPresent()) {
                System.out.printf("container engine: CI's preparation ended with %s after a wait of %d s here%n",
                        rc.get(), Duration.between(start, Instant.now()).toSeconds());
                return rc.get().equals("rc=0") ? Optional.empty()
                        : Optional.of("CI could not prepare the container engine (" + rc.get() + "): "
                                + String.join(" | ", lines.subList(Math.max(0, lines.size() - 4), lines.size())));
            }
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of("interrupted while waiting for CI's container engine preparation");
            }
        }
        return Optional.of("CI's container engine preparation (" + log + ") did not finish within " + CI_PREPARATION_LIMIT);
    }

    private static List<String> readLines(Path log) {
        try {
            return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Runs the class only with podman, and with its API too when the class uses Testcontainers;
     * otherwise skips it and prints why (a skip in the reports alone says nothing of the reason).
     */
    static class Required implements ExecutionCondition {

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            Optional<String> why = whyNoPodman();
            boolean usesApi = context.getTestClass().map(c -> c.isAnnotationPresent(Testcontainers.class)).orElse(false);
            if (why.isEmpty() && usesApi && !DockerClientFactory.instance().isDockerAvailable()) {
                why = Optional.of("podman's Docker-compatible API is not reachable for Testcontainers"
                        + " (bin/container-engine start; eval \"$(bin/container-engine env)\")");
            }
            if (why.isEmpty()) {
                return ConditionEvaluationResult.enabled("a container engine is available");
            }
            System.out.println("SKIPPED " + context.getDisplayName() + ": " + why.get());
            return ConditionEvaluationResult.disabled(why.get());
        }
    }
}
