#!/usr/bin/env bash
# Issue 22's acceptance 1 in one command: escalation routing learnt from
# scratch on the SWE-bench per-task data (6 arms, 2000 tasks, SEEDS seeds,
# at most 3 attempts), beside the best single arm and fixed chains computed
# in hindsight, as a markdown table of pass rate, $/task, attempts and
# exploration (mean over seeds, ± the sd over seeds).
# Usage: scripts/eval/router_cascade.sh   (MAESTRO=path/to/maestro SEEDS=N
#        LAMBDAS="0.1 0.15 0.25" IDS=0 to leave out cascade-ids, ~7 s a seed)
set -euo pipefail
cd "$(dirname "$0")/../.."
maestro=${MAESTRO:-target/release/maestro}
seeds=${SEEDS:-100}
lambdas=${LAMBDAS:-"0.05 0.1 0.15 0.2 0.25 0.3 0.5"}
data=${DATA:-${MAESTRO_EVAL_DATA:-../shared/data}/routing/swebench_verified_mini/per_task.csv}
opus=claude-opus-4-5-20251101
gemini=gemini-3-pro-preview-20251118
sonnet=sonnet-4-5-20250929
deepseek=deepseek-v3.2-reasoner
arms=$opus,$gemini,$sonnet,gpt-5,gpt-5-mini,$deepseek
policies=cascade-ts
[ "${IDS:-1}" = 1 ] && policies=cascade-ts,cascade-ids
run() {
  "$maestro" --quiet replay --data "$data" --arms "$arms" --tasks 2000 --seeds "$seeds" \
    --max-attempts 3 --json "$@"
}
{
  run --lambda 0.5 --policy "fixed:$opus,chain:$gemini>$opus,chain:$deepseek>$gemini>$sonnet"
  for l in $lambdas; do run --lambda "$l" --policy "$policies"; done
} | python3 -c '
import json, sys
dec = json.JSONDecoder()
text = sys.stdin.read()
print("| policy | λ | pass rate | $/task | attempts (p95) | exploration |")
print("|---|---|---|---|---|---|")
i = 0
while i < len(text):
    if text[i].isspace():
        i += 1
        continue
    r, i = dec.raw_decode(text, i)
    for p in r["policies"]:
        lam = "—" if p["policy"].startswith(("fixed:", "chain:")) else r["lambda"]
        print("| %s | %s | %.4f ± %.4f | %.3f | %.2f (%.0f) | %.3f |" % (
            p["policy"], lam, p["eval"]["mean"], p["eval"]["sd"], p["cost_per_task"]["mean"],
            p["attempts"]["mean"], p["attempts_p95"]["mean"], p["exploration"]["mean"]))
'
