#!/usr/bin/env bash
# The composite action's second step: `maestro COMMAND ARGS…` with the
# inputs from the environment, never spliced into a script.
#   MAESTRO_COMMAND  the subcommand (and sub-subcommand), e.g. "route" or "cache get"
#   MAESTRO_ARGS     one argument per line
#   MAESTRO_STATE_INPUT  the state location (optional)
set -euo pipefail
read -r -a cmd <<<"${MAESTRO_COMMAND:?the command input is empty}"
args=()
while IFS= read -r line; do
  [ -n "$line" ] && args+=("$line")
done <<<"${MAESTRO_ARGS:-}"
if [ -n "${MAESTRO_STATE_INPUT:-}" ]; then
  export MAESTRO_STATE="$MAESTRO_STATE_INPUT"
fi
exec maestro "${cmd[@]}" ${args[@]+"${args[@]}"}
