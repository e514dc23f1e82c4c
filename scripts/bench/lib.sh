# Sourced by the benchmark scripts (from the repository root): hyperfine
# installed from apt when missing, and maestro built. MAESTRO_PROFILE picks
# the cargo profile (default release; `dist` is what the release archives
# ship); $MAESTRO is the binary's absolute path.
command -v hyperfine >/dev/null || {
  sudo_cmd=
  [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get install -y -qq hyperfine >/dev/null
}
MAESTRO_PROFILE="${MAESTRO_PROFILE:-release}"
cargo build --locked --profile "$MAESTRO_PROFILE" --quiet --bin maestro
MAESTRO="$PWD/target/$MAESTRO_PROFILE/maestro"
