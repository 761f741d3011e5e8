# Stand-ins for the shell functions the Nix package's installPhase calls (stdenv's runHook and
# substituteInPlace, the makeWrapper hook), for build/nix-eval.spec.ts, which runs the evaluated
# installPhase without Nix. As strict as the real ones where it matters: makeWrapper refuses an
# executable that is not there and flags it does not know; --replace-fail fails when the text is
# absent. Sourced by bash.
runHook() { :; }

makeWrapper() {
  local exe=$1 wrapper=$2
  shift 2
  [ -x "$exe" ] || { echo "makeWrapper: $exe is not executable" >&2; return 1; }
  local flags=""
  while [ $# -gt 0 ]; do
    case $1 in
      # Like makeWrapper, the flags go into the wrapper verbatim and expand when it runs.
      --add-flags) flags="$flags $2"; shift 2 ;;
      *) echo "makeWrapper stand-in: unsupported $1" >&2; return 1 ;;
    esac
  done
  mkdir -p "$(dirname "$wrapper")"
  printf '#!%s -e\nexec "%s"%s "$@"\n' "$BASH" "$exe" "$flags" > "$wrapper"
  chmod +x "$wrapper"
}

substituteInPlace() {
  local file=$1
  shift
  local text
  text=$(cat "$file"; printf x)
  text=${text%x}
  while [ $# -gt 0 ]; do
    case $1 in
      --replace-fail)
        [[ $text == *"$2"* ]] || { echo "substituteInPlace: $2 is not in $file" >&2; return 1; }
        text=${text//"$2"/"$3"}
        shift 3 ;;
      *) echo "substituteInPlace stand-in: unsupported $1" >&2; return 1 ;;
    esac
  done
  printf '%s' "$text" > "$file"
}
