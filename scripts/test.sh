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

# --- lint ------------------------------------------------------------------------------------------
lint_paths=()
for path in app workers tests bench; do
    [[ -d "$path" ]] && lint_paths+=("$path")
done
if ! .venv/bin/ruff check "${lint_paths[@]}" || ! .venv/bin/ruff format --check "${lint_paths[@]}"; then
    echo "test.sh: FAILED (lint; \`.venv/bin/ruff check --fix\` and \`.venv/bin/ruff format\` fix most of it)" >&2
    exit 1
fi

# --- tests -----------------------------------------------------------------------------------------
status=0
.venv/bin/python -m pytest "$@" || status=$?

if ((status == 0)); then
    verdict="passed"
elif ((status == 5)); then
    verdict="FAILED (pytest collected no tests)"
else
    verdict="FAILED (pytest exit $status)"
fi
echo "test.sh: ${verdict} in $((SECONDS - started_at))s; lint ok; servers: ${wanted[*]:-none} started here" >&2
exit "$status"
