#!/usr/bin/env bash
# A CI step that fails the build when the checked-out repository tracks a credential file or
# lacks the .gitignore pattern for one. It writes the findings as JSON to the file named by
# UPX_PERM_REPORT (default: upx-perm-report.json) for the CI to keep as an artifact.
#
# As a GitHub Actions step, after a step that installs upx (./install.sh):
#   - name: Check credential files
#     run: examples/ci-check-credentials.sh
#
# Only the git checks decide here. A checkout gives every file the mode of the runner's
# umask, and a CI runner usually has no other users, so mode findings are printed but do not
# fail the step. The rotation reminder is off (--max-age 0), because a fresh checkout gives
# every file the checkout time as its modification time.
set -uo pipefail
report=${UPX_PERM_REPORT:-upx-perm-report.json}
command -v upx-perm >/dev/null || { echo "ci-check-credentials: upx-perm not found on PATH; run ./install.sh first" >&2; exit 2; }
command -v python3 >/dev/null || { echo "ci-check-credentials: python3 not found on PATH; install the python3 package" >&2; exit 2; }
cd "$(git rev-parse --show-toplevel)" || exit 2

upx-perm --recursive --max-age 0 --json . >"$report"
status=$?
if [[ $status -gt 1 ]]; then
    echo "ci-check-credentials: upx-perm could not check every file (exit status $status); see $report" >&2
    exit "$status"
fi

# Print every finding, and fail on those of the git checks.
python3 - "$report" <<'PYTHON'
import json, sys
findings = json.load(open(sys.argv[1]))["findings"]
failing = [f for f in findings if f["check"].startswith("git-")]
for f in findings:
    print(f"{f['path']}: {f['reason']} (fix: {f['fix']})")
print(f"ci-check-credentials: {len(failing)} git finding(s), {len(findings) - len(failing)} other finding(s)", file=sys.stderr)
sys.exit(1 if failing else 0)
PYTHON
