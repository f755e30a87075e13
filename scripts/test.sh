#!/usr/bin/env bash
# Run Cobrand's checks and tests against real Redis, PostgreSQL and S3 (SeaweedFS); `make test`.
#
#   scripts/test.sh                       everything
#   scripts/test.sh tests/storage -q      arguments go to pytest
#
# Servers: set TEST_REDIS_URL, TEST_POSTGRES_URL or TEST_S3_ENDPOINT (+ TEST_S3_ACCESS_KEY,
# TEST_S3_SECRET_KEY) to use servers of your own; otherwise throwaway ones start on free loopback
# ports and are stopped on exit. SKIP_BOOTSTRAP=1 skips scripts/bootstrap.sh --test.
set -euo pipefail

cd "$(dirname "$0")/.."
started_at=$SECONDS

if [[ "${SKIP_BOOTSTRAP:-}" != 1 ]]; then
    scripts/bootstrap.sh --test
fi

# --- lint ------------------------------------------------------------------------------------------
lint_paths=()
for path in app workers tests bench; do
    [[ -d "$path" ]] && lint_paths+=("$path")
done
if ! .venv/bin/ruff check "${lint_paths[@]}" || ! .venv/bin/ruff format --check "${lint_paths[@]}"; then
    echo "test.sh: FAILED (lint; \`.venv/bin/ruff check --fix\` and \`.venv/bin/ruff format\` fix most of it)" >&2
    exit 1
fi
if ! .venv/bin/mypy; then
    echo "test.sh: FAILED (mypy: app/rendering and app/storage are type-checked strictly)" >&2
    exit 1
fi

# --- servers ---------------------------------------------------------------------------------------
wanted=()
[[ -n "${TEST_REDIS_URL:-}" ]] || wanted+=(redis)
[[ -n "${TEST_POSTGRES_URL:-}" ]] || wanted+=(postgres)
[[ -n "${TEST_S3_ENDPOINT:-}" ]] || wanted+=(s3)

state_dir=""
stop_services() {
    if [[ -n "$state_dir" ]]; then
        # Stops only the pids recorded when they were started, then removes their data.
        .venv/bin/python -m tests.services stop --state-dir "$state_dir" || true
    fi
}
trap stop_services EXIT

if ((${#wanted[@]})); then
    state_dir=$(mktemp -d "${TMPDIR:-/tmp}/cobrand-test-services.XXXXXX")
    .venv/bin/python -m tests.services start --state-dir "$state_dir" --env-file "$state_dir/env" "${wanted[@]}"
    # shellcheck source=/dev/null
    source "$state_dir/env"
fi
export TEST_REDIS_URL TEST_POSTGRES_URL TEST_S3_ENDPOINT
export TEST_S3_ACCESS_KEY="${TEST_S3_ACCESS_KEY:-}" TEST_S3_SECRET_KEY="${TEST_S3_SECRET_KEY:-}"
# Never let boto3 look for credentials at the cloud metadata address, nor use a personal profile.
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE

# --- tests -----------------------------------------------------------------------------------------
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/cobrand-test-run.XXXXXX")
trap 'stop_services; rm -rf "$run_dir"' EXIT
status=0
.venv/bin/python -m pytest --junitxml="$run_dir/junit.xml" "$@" || status=$?

# One closing line in the plain "N passed, N failed, N skipped" form, counted from pytest's report.
counts=$(.venv/bin/python - "$run_dir/junit.xml" <<'PY' 2>/dev/null || echo "no report"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
n = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
failed = n["failures"] + n["errors"]
print(f"{n['tests'] - failed - n['skipped']} passed, {failed} failed, {n['skipped']} skipped")
PY
)
case $status in
    0) verdict="ok" ;;
    5) verdict="FAILED (pytest collected no tests)" ;;
    *) verdict="FAILED (pytest exit $status)" ;;
esac
echo "test.sh: $verdict in $((SECONDS - started_at))s; lint ok; servers started here: ${wanted[*]:-none}"
echo "tests: $counts"
exit "$status"
