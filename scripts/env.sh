# Shared build environment for scripts/*, .ci/run and developers.
# Source it: `. scripts/env.sh`. Keeps one persistent target directory outside
# the clone (so a fresh clone reuses the ~17 min DuckDB build) and links with
# mold when it is installed (scripts/setup.sh installs it).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/oncometrics/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
if command -v mold >/dev/null 2>&1; then
  case " ${RUSTFLAGS:-} " in
    *fuse-ld=mold*) ;;
    *) export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C link-arg=-fuse-ld=mold" ;;
  esac
fi
