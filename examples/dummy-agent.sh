#!/usr/bin/env bash
# A stand-in for a real agent step: given an arm, "solves" a task and prints
# an eval score and a cost in USD, space-separated. Bigger tiers succeed more and cost more.
# Usage: dummy-agent.sh ARM TASK
set -euo pipefail
arm=$1 task=$2
h=$(printf '%s' "$task/$arm" | cksum | cut -d' ' -f1)
roll=$((h % 100))
case "$arm" in
  *@small)  p=62 cost=0.04 ;;
  *@medium) p=70 cost=0.30 ;;
  *)        p=75 cost=0.72 ;;
esac
eval=0; [ "$roll" -lt "$p" ] && eval=1
printf '%s %s\n' "$eval" "$cost"
