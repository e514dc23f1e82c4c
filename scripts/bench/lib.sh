# Sourced by the benchmark scripts (from the repository root): hyperfine
# installed from apt when missing, and the release binary built.
command -v hyperfine >/dev/null || {
  sudo_cmd=
  [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get install -y -qq hyperfine >/dev/null
}
cargo build --release --quiet --bin maestro
