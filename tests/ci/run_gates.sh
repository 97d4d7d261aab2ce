#!/usr/bin/env bash
# Run each named gate (`make gate-NAME`) in order, keep going after failures, and print
# a summary table (gate, PASS/FAIL/SKIP, seconds). Exits non-zero if any gate failed.
#
#   tests/ci/run_gates.sh GATE [GATE...]
#
# A GATE written as "a|b|c" is a group whose gates run at the same time (their output is
# buffered and printed in order when the group is done); each still gets its own result
# and its own wall-clock seconds. CI_GATE_SERIAL=1 runs groups one gate at a time.
#
# A gate skips by writing a reason to the file named by $CI_GATE_SKIP_FILE and exiting 0
# (tests/ci/skip.sh does that).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MAKE="${MAKE:-make}"

names=()
results=()
times=()
reasons=()
failed=0
passed=0
skipped=0

work="$(mktemp -d "${TMPDIR:-/tmp}/gcore-gates.XXXXXX")"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
overall_start=$(now)

# run_one GATE: run the gate, leave its exit code and duration in $work/GATE.{rc,secs}.
run_one() {
    local gate="$1" start end rc
    start=$(now)
    CI_GATE_SKIP_FILE="$work/$gate.skip" "$MAKE" --no-print-directory -C "$ROOT" "gate-$gate"
    rc=$?
    end=$(now)
    echo "$rc" >"$work/$gate.rc"
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f\n", b - a }' >"$work/$gate.secs"
}

# record GATE: add the gate's result to the summary.
record() {
    local gate="$1" rc secs result reason=""
    rc="$(cat "$work/$gate.rc" 2>/dev/null || echo 1)"
    secs="$(cat "$work/$gate.secs" 2>/dev/null || echo 0)"
    if [ "$rc" -ne 0 ]; then
        result=FAIL
        failed=$((failed + 1))
        reason="exit $rc"
    elif [ -s "$work/$gate.skip" ]; then
        result=SKIP
        skipped=$((skipped + 1))
        reason="$(head -n1 "$work/$gate.skip")"
    else
        result=PASS
        passed=$((passed + 1))
    fi
    echo "==================== gate: $gate: $result (${secs}s) ===================="
    names+=("$gate")
    results+=("$result")
    times+=("$secs")
    reasons+=("$reason")
}

for spec in "$@"; do
    IFS='|' read -r -a group <<<"$spec"
    if [ "${#group[@]}" -eq 1 ] || [ "${CI_GATE_SERIAL:-}" = 1 ]; then
        for gate in "${group[@]}"; do
            echo
            echo "==================== gate: $gate ===================="
            run_one "$gate"
            record "$gate"
        done
        continue
    fi
    echo
    echo "==================== gates (concurrent): ${group[*]} ===================="
    pids=()
    for gate in "${group[@]}"; do
        run_one "$gate" >"$work/$gate.log" 2>&1 </dev/null &
        pids+=("$!")
    done
    for pid in "${pids[@]}"; do
        wait "$pid"
    done
    pids=()
    for gate in "${group[@]}"; do
        echo
        echo "==================== gate: $gate (output) ===================="
        cat "$work/$gate.log"
        record "$gate"
    done
done

echo
echo "==================== summary ===================="
printf '%-14s %-6s %9s  %s\n' GATE RESULT SECONDS NOTE
for i in "${!names[@]}"; do
    printf '%-14s %-6s %9s  %s\n' "${names[$i]}" "${results[$i]}" "${times[$i]}" "${reasons[$i]}"
done
awk -v a="$overall_start" -v b="$(now)" 'BEGIN { printf "%-14s %-6s %9.1f  %s\n", "wall-clock", "", b - a, "(concurrent gates overlap)" }'
echo
echo "gates: $passed passed, $failed failed, $skipped skipped"

[ "$failed" -eq 0 ]
