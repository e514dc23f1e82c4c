#!/bin/sh
# A scripted, noisy evaluator for `maestro evolve` (the evaluation protocol):
# reads {"params", "replicate", "scenario"} on stdin, as maestro writes it
# (compact JSON), and prints a score in [0, 1].
#
# The true model: a scenario's score is its difficulty (vars.difficulty)
# plus an effect of the parameters plus Gaussian noise (sd NOISE, default
# 0.02). The effect is TRUE_LIFT (default 0.03) at temperature 0.2,
# few_shot 4, style "detailed"; 0 at the space's defaults (0.7, 2, "terse");
# in between it falls with the squared distance from the optimum. The noise
# is seeded by the request (params, scenario, replicate) and NOISE_SEED
# (default 0), so an evaluation repeated gives the same score. awk, not
# Python: it starts in ~2 ms.
exec awk -v lift="${TRUE_LIFT:-0.03}" -v noise="${NOISE:-0.02}" '
function num(key,   m) {
  if (!match(req, "\"" key "\":-?[0-9.eE+-]+")) return 0
  m = substr(req, RSTART, RLENGTH); sub(/^[^:]*:/, "", m); return m + 0
}
function str(key,   m) {
  if (!match(req, "\"" key "\":\"[^\"]*\"")) return ""
  m = substr(req, RSTART, RLENGTH); sub(/^[^:]*:"/, "", m); sub(/"$/, "", m); return m
}
function dist(t, k, s) { return ((t - 0.2) / 0.5) ^ 2 + ((k - 4) / 4) ^ 2 + (s == "detailed" ? 0 : 1) }
{ req = req $0 }
END {
  effect = lift * (1 - dist(num("temperature"), num("few_shot"), str("style")) / dist(0.7, 2, "terse"))
  if (effect < -0.2) effect = -0.2
  chars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.:,{}[]\"-"
  h = 7 + ENVIRON["NOISE_SEED"]
  for (i = 1; i <= length(req); i++) h = (h * 31 + index(chars, substr(req, i, 1))) % 2147483647
  srand(h); u1 = rand(); u2 = rand(); if (u1 < 1e-12) u1 = 1e-12
  z = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2)
  x = num("difficulty") + effect + noise * z
  if (x < 0) x = 0
  if (x > 1) x = 1
  printf "%.6f\n", x
}'
