#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers (Jazzer), one target after another; docs/reliability.md#fuzzing.
# Each target is a @FuzzTest; without JAZZER_FUZZ, `mvn test` runs it only over its committed seed corpus
# (src/test/resources/<package>/<Class>Inputs/<method>/). Here each one is fuzzed for real: one JVM per target,
# since Jazzer fuzzes one @FuzzTest per JVM.
#
# Usage: bench/fuzz.sh [seconds-per-target=60] [target-filter]
#   target-filter: a substring of "module Class#method" (e.g. Dhcp, tink-model, goTemplate)
#   env FUZZ_TIMEOUT: seconds one input may take before it counts as a hang, default 10
#   env FUZZ_HEAP: the test JVM's heap cap, default 1g (an input that makes a parser allocate without bound
#                  then fails as an OutOfMemoryError finding instead of swapping the machine)
#   env FUZZ_LOG_DIR: where each target's full log goes, default target/fuzz-logs
#
# Prints per target: seconds, inputs tried (execs), execs/s, coverage, findings (crash/hang files). A finding
# stops that target: Jazzer writes the input as crash-<sha1> (or timeout-<sha1>) next to the seeds, where the
# next `mvn test` replays it; .gitignore keeps it out of git until it is renamed (bug-<what>.bin) into the corpus.
#
# Runs in a new, empty network namespace (unshare -n, as root): a parser that resolves or connects anywhere
# fails to, and no fuzz input can reach a network. The generated corpus stays in <module>/.cifuzz-corpus/.
# Runs targets one at a time and only the named module's tests (-am builds, but runs no other test).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-60}
FILTER=${2:-}
TIMEOUT=${FUZZ_TIMEOUT:-10}
HEAP=${FUZZ_HEAP:-1g}
LOG_DIR=${FUZZ_LOG_DIR:-target/fuzz-logs}
JAVA_HOME=${JAVA_HOME:-$(./tinkerjvm java-home)}
export JAVA_HOME

# module  Class#method  max input length (bytes; libFuzzer's default is 4096)  classes to instrument (globs, commas)
# Jazzer instruments only the project's own classes unless told; the libraries our parsers hand bytes to
# (dhcp4java, Jackson, SnakeYAML, protobuf's JsonFormat and Gson) are instrumented too, so that coverage
# guides the fuzzer through their parsing as well: an exception they throw is one our code must catch.
OURS='io.tinkerjvm.**'
JSON_LIBS='com.fasterxml.jackson.**,com.google.protobuf.util.**,com.google.gson.**'
TARGETS=(
  "boots io.tinkerjvm.boots.dhcp.DhcpCodecFuzzTest#decode 1600 $OURS,org.dhcp4java.**"
  "boots io.tinkerjvm.boots.dhcp.DhcpCodecFuzzTest#answer 1600 $OURS,org.dhcp4java.**"
  "boots io.tinkerjvm.boots.tftp.TftpCodecFuzzTest#decode 4096 $OURS"
  "boots io.tinkerjvm.boots.syslog.SyslogParserFuzzTest#parse 8400 $OURS"
  "tink-model io.tinkerjvm.tink.template.TemplateFuzzTest#templateDocument 4096 $OURS,$JSON_LIBS,org.yaml.snakeyaml.**"
  "tink-model io.tinkerjvm.tink.template.TemplateFuzzTest#goTemplate 4096 $OURS,$JSON_LIBS,org.yaml.snakeyaml.**"
  "tink-model io.tinkerjvm.tink.hardware.HardwareFuzzTest#pushedHardware 4096 $OURS,$JSON_LIBS"
)

if [ "$(id -u)" -ne 0 ]; then
  echo "fuzz.sh: run as root (it fuzzes inside its own network namespace: unshare -n)" >&2
  exit 1
fi
mkdir -p "$LOG_DIR"

# One place that starts a fuzz run: module, Class#method, max_len, instrumentation globs, log file.
run_target() {
  local module=$1 test=$2 max_len=$3 instrument=$4 log=$5
  JAZZER_FUZZ=1 unshare -n ./mvnw -o -q -B -pl "$module" -am test \
    -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
    -Dfuzz.argLine="-Xmx$HEAP" \
    -Djunit.jupiter.execution.timeout.mode=disabled \
    -Djazzer.instrument="$instrument" \
    -Djazzer.internal.arg.0=fuzz \
    -Djazzer.internal.arg.1=-max_total_time="$SECONDS_PER_TARGET" \
    -Djazzer.internal.arg.2=-timeout="$TIMEOUT" \
    -Djazzer.internal.arg.3=-max_len="$max_len" \
    -Djazzer.internal.arg.4=-print_final_stats=1 \
    >"$log" 2>&1
}

printf '%-58s %6s %10s %8s %5s %s\n' target seconds execs execs/s cov findings
status=0
for entry in "${TARGETS[@]}"; do
  read -r module test max_len instrument <<<"$entry"
  [[ -z "$FILTER" || "$module $test" == *"$FILTER"* ]] || continue
  log="$LOG_DIR/${test##*.}.log"
  start=$(date +%s)
  rc=0
  run_target "$module" "$test" "$max_len" "$instrument" "$log" || rc=$?
  took=$(( $(date +%s) - start ))
  # libFuzzer's own figures: executed units and their rate, from the final stats (or the last status line)
  execs=$(grep -a 'stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}' || true)
  rate=$(grep -a 'stat::average_exec_per_sec' "$log" | tail -1 | awk '{print $2}' || true)
  last=$(grep -aE '^#[0-9]+' "$log" | tail -1 || true)
  [ -n "$execs" ] || execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
  [ -n "$rate" ] || rate=$(grep -oE 'exec/s: [0-9]+' <<<"$last" | awk '{print $2}' || true)
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | awk '{print $2}' || true)
  findings=$(grep -aoE 'Test unit written to [^ ]+' "$log" | awk '{print $5}' | tr '\n' ' ' || true)
  if [ "$rc" -ne 0 ] && [ -z "$findings" ]; then
    findings="test failed (rc $rc), see $log"
  fi
  [ "$rc" -eq 0 ] || status=1
  printf '%-58s %6s %10s %8s %5s %s\n' "${test#io.tinkerjvm.}" "$took" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${findings:-none}"
done
exit $status
