# bench/lib.sh - what the benchmark scripts share. Sourced, not run:
#
#   BENCH_NAME=certify.sh; . "$(dirname "$0")/lib.sh"
#   bench_size "$@" 5 5 3     # SIZE, then default runs for small, medium, large
#   bench_partnerd            # PARTNERD: $PARTNERD, or build/partnerd (built if missing)
#   bench_gnu_time            # TIME: GNU time (the Debian package is installed if missing)
#   bench_data                # DATA/creators.csv, DATA/posts.csv: generated once per size
#
# Sets BENCH, ROOT, SIZE, CREATORS, RUNS, SEED, AS_OF, DATA.

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
SEED=42
AS_OF=2019-06-01

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }
log() { echo "# $*" >&2; }

# bench_size SIZE RUNS_SMALL RUNS_MEDIUM RUNS_LARGE
bench_size() {
  local usage="usage: $BENCH_NAME small|medium|large"
  [[ $# -eq 4 ]] || { echo "$usage" >&2; exit 2; }
  SIZE=$1
  local default_runs
  case $SIZE in
    small)  CREATORS=10000;   default_runs=$2 ;;
    medium) CREATORS=100000;  default_runs=$3 ;;
    large)  CREATORS=1000000; default_runs=$4 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
  RUNS=${RUNS:-$default_runs}
  [[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "RUNS must be a positive integer" >&2; exit 2; }
  DATA=$BENCH/data/$SIZE
}

bench_partnerd() {
  if [[ -n ${PARTNERD:-} ]]; then
    [[ -x $PARTNERD ]] || die "PARTNERD=$PARTNERD is not an executable"
  else
    PARTNERD=$ROOT/build/partnerd
    if [[ ! -x $PARTNERD ]]; then
      log "building partnerd in $ROOT/build"
      command -v meson >/dev/null && command -v ninja >/dev/null || die "meson and ninja are needed to build partnerd"
      ( cd "$ROOT"
        [[ -f build/build.ninja ]] || meson setup build
        ninja -C build ) >&2 || die "building partnerd failed"
      [[ -x $PARTNERD ]] || die "no $PARTNERD after the build"
    fi
  fi
  PARTNERD=$(cd "$(dirname "$PARTNERD")" && pwd)/$(basename "$PARTNERD")
}

bench_gnu_time() {
  TIME=/usr/bin/time
  if [[ ! -x $TIME ]]; then
    log "installing GNU time (Debian package 'time')"
    if [[ $(id -u) -eq 0 ]]; then
      { apt-get install -y time || { apt-get update && apt-get install -y time; }; } >&2 || die "apt-get install time failed"
    else
      sudo apt-get install -y time >&2 || die "need /usr/bin/time (apt-get install time)"
    fi
  fi
  "$TIME" -f '%e %M' true 2>/dev/null || die "$TIME does not accept -f '%e %M' (need GNU time)"
}

bench_data() {
  if [[ -f $DATA/creators.csv && -f $DATA/posts.csv ]]; then
    log "reusing $DATA"
    return
  fi
  log "generating $DATA ($CREATORS creators, seed $SEED)"
  mkdir -p "$BENCH/data"
  rm -rf "$DATA.tmp"
  local t0=$EPOCHREALTIME
  "$PARTNERD" gen --out "$DATA.tmp" --creators "$CREATORS" --seed "$SEED" --as-of "$AS_OF" >&2 \
    || die "partnerd gen failed"
  [[ -f $DATA.tmp/creators.csv && -f $DATA.tmp/posts.csv ]] || die "partnerd gen wrote no creators.csv/posts.csv in $DATA.tmp"
  rm -rf "$DATA"
  mv "$DATA.tmp" "$DATA"   # only a complete data set is ever reused
  log "generated in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}') s"
}
