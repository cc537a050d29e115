# shellcheck shell=bash
# The compose file as Docker Compose v2 reads it (compose-go loader + interpolation),
# for the subset a k2s node's compose files use: top-level name / services /
# networks / volumes; per service image, container_name, environment (map form
# `KEY: value` or list form `- KEY=value` / `- KEY`), depends_on (list or map
# with condition), volumes, and any other keys (they count in the service's
# configuration, as compose's config hash does). Sourced by the docker shim
# after _lib.sh (needs _dotenv.sh's _dv_tpl / _dv_get and the parsed .env).
#
# Interpolation (compose-go interpolation.Interpolate + template.Substitute):
# every scalar VALUE of the file (keys are not interpolated) is substituted with
# the process environment first, then the project's .env; an unset plain
# reference is "" plus one WARN per occurrence; a failure is compose's
# "error while interpolating <path>: …" or "invalid interpolation format for …".
#
# Results of compose_load FILE:
#   CP_NAME          the top-level name (interpolated; "" when absent)
#   CP_SVCS          service names, file order
#   CP_IMG[s]        image, interpolated
#   CP_CNAME[s]      container name (container_name, else <project>-<service>-1)
#   CP_ENVK[s]       environment keys, file order (space separated)
#   CP_ENVV[s|K]     environment value, interpolated (keys of `- KEY` without a value that
#                    are unset stay out, as compose leaves them out of the container)
#   CP_DEPS[s]       "dep:condition dep2:condition" (service_started when not given)
#   CP_VOLS[s]       volume specs, interpolated, newline separated
#   CP_REST[s]       the rest of the service (path=value lines, interpolated) for the config hash
#   CP_TOPNET        top-level network names; CP_TOPVOL top-level volume names (space separated)
#   CP_WARN          variables compose warns about (one entry per occurrence)
#   CP_ERR           compose's error (the command fails with it), "" when the file is fine

declare -gA CP_IMG=() CP_CNAME=() CP_ENVK=() CP_ENVV=() CP_DEPS=() CP_VOLS=() CP_REST=()
declare -ga CP_SVCS=() CP_WARN=()
CP_NAME="" CP_ERR="" CP_TOPNET="" CP_TOPVOL=""

# The YAML subset → records, one per line: "V<TAB>path<TAB>value" for a scalar (in file
# order), "K<TAB>path" for a key whose value is a block (or empty). Paths join keys with
# "."; list items are "[i]". Flow sequences [a, b] become items; newlines in block scalars
# are \001.
_CP_AWK='
function unq(v,   q, out, i, c) {
  q = substr(v, 1, 1)
  if (q == "\"") {
    out = ""
    for (i = 2; i <= length(v); i++) {
      c = substr(v, i, 1)
      if (c == "\\") { i++; c = substr(v, i, 1); if (c == "n") c = "\n"; else if (c == "t") c = "\t"; out = out c; continue }
      if (c == "\"") break
      out = out c
    }
    return out
  }
  if (q == "\047") {
    out = ""
    for (i = 2; i <= length(v); i++) {
      c = substr(v, i, 1)
      if (c == "\047") { if (substr(v, i + 1, 1) == "\047") { out = out c; i++; continue } break }
      out = out c
    }
    return out
  }
  # plain scalar: a comment starts at " #"
  i = index(v, " #"); if (i > 0) v = substr(v, 1, i - 1)
  sub(/[ \t]+$/, "", v)
  return v
}
function path(d,   p, j) { p = ""; for (j = 1; j <= d; j++) p = p (j > 1 ? "." : "") key[j]; return p }
function emit(p, v) { gsub(/\n/, "\001", v); printf "V\t%s\t%s\n", p, v }
function flow(p, v,   inner, n, parts, j, item) {
  inner = substr(v, 2, length(v) - 2)
  if (inner ~ /^[ \t]*$/) { printf "K\t%s\n", p; return }
  n = split(inner, parts, ",")
  for (j = 1; j <= n; j++) { item = parts[j]; sub(/^[ \t]+/, "", item); sub(/[ \t]+$/, "", item); emit(p ".[" (j - 1) "]", unq(item)) }
}
function value(p, v,   t) {
  t = v; i0 = index(t, " #"); if (substr(t, 1, 1) != "\"" && substr(t, 1, 1) != "\047" && i0 > 0) t = substr(t, 1, i0 - 1)
  sub(/[ \t]+$/, "", t)
  if (t ~ /^\[.*\]$/) { flow(p, t); return }
  if (t ~ /^\{[ \t]*\}$/) { printf "K\t%s\n", p; return }
  if (t ~ /^[|>][-+]?[0-9]*$/) { blk = 1; bpath = p; bind = ind; btxt = ""; bfold = (substr(t, 1, 1) == ">"); return }
  emit(p, unq(v))
}
BEGIN { d = 0; blk = 0 }
{
  sub(/\r$/, "")
  line = $0
  match(line, /^ */); ind = RLENGTH; s = substr(line, ind + 1)
  if (blk) {
    if (s == "" || ind > bind) { btxt = btxt (btxt == "" ? "" : (bfold ? " " : "\n")) s; next }
    emit(bpath, btxt "\n"); blk = 0
  }
  if (s == "" || substr(s, 1, 1) == "#") next
  if (s == "-" || substr(s, 1, 2) == "- ") {
    while (d > 0 && lvl[d] > ind) d--
    p = path(d); n = cnt[d]++
    item = substr(s, 3); sub(/^[ \t]+/, "", item)
    value(p ".[" n "]", item)
    next
  }
  if (substr(s, 1, 1) == "\"" || substr(s, 1, 1) == "\047") {
    q = substr(s, 1, 1); j = index(substr(s, 2), q); k = substr(s, 2, j - 1); rest = substr(s, j + 2)
  } else {
    j = match(s, /:([ \t]|$)/); if (j == 0) next
    k = substr(s, 1, j - 1); rest = substr(s, j + 1)
  }
  sub(/^:/, "", rest); sub(/^[ \t]+/, "", rest)
  while (d > 0 && lvl[d] >= ind) d--
  if (rest == "" || substr(rest, 1, 1) == "#") { d++; lvl[d] = ind; key[d] = k; cnt[d] = 0; printf "K\t%s\n", path(d); next }
  value(path(d) (d > 0 ? "." : "") k, rest)
}
END { if (blk) emit(bpath, btxt "\n") }
'

_cp_interp() { # _cp_interp PATH VALUE → REPLY (interpolated); sets CP_ERR on failure
  local p=$1 v=$2
  if [[ $v != *\$* ]]; then REPLY=$v; return 0; fi
  DOTENV_WARN=(); DOTENV_ERR=""
  if _dv_tpl "$v"; then CP_WARN+=("${DOTENV_WARN[@]}"); return 0; fi
  CP_WARN+=("${DOTENV_WARN[@]}")
  local gp=${p//\[[0-9]*\]/[]}
  if [[ $DOTENV_ERR == "Invalid template: "* ]]; then
    [ -n "$CP_ERR" ] || CP_ERR=$(printf 'invalid interpolation format for %s.\nYou may need to escape any $ with another $.\n%s' "$gp" "$v")
  else
    [ -n "$CP_ERR" ] || CP_ERR="error while interpolating $gp: $DOTENV_ERR"
  fi
  REPLY=""
  return 1
}

compose_load() { # compose_load FILE PROJECT_DIR — parse + interpolate (the .env must be parsed already: DOTENV)
  local f=$1 kind p v rest s k sub
  CP_SVCS=(); CP_WARN=(); CP_IMG=(); CP_CNAME=(); CP_ENVK=(); CP_ENVV=(); CP_DEPS=(); CP_VOLS=(); CP_REST=()
  CP_NAME="" CP_ERR="" CP_TOPNET="" CP_TOPVOL=""
  local -A seen=() depcond=()
  while IFS=$'\t' read -r kind p v; do
    v=${v//$'\001'/$'\n'}
    if [ "$kind" = K ]; then
      case "$p" in
        services.*.*.*) ;;
        services.*.*) s=${p#services.}; s=${s%%.*}; k=${p#services."$s".}
          [ -n "${seen[$s]:-}" ] || { seen[$s]=1; CP_SVCS+=("$s"); }
          [ "$k" = environment ] && CP_ENVK[$s]=${CP_ENVK[$s]:-} ;;
        services.*) s=${p#services.}; [ -n "${seen[$s]:-}" ] || { seen[$s]=1; CP_SVCS+=("$s"); } ;;
        networks.*) [[ ${p#networks.} == *.* ]] || CP_TOPNET+=" ${p#networks.}" ;;
        volumes.*) [[ ${p#volumes.} == *.* ]] || CP_TOPVOL+=" ${p#volumes.}" ;;
      esac
      # a depends_on entry given as a map key: its condition may follow
      if [[ $p == services.*.depends_on.* ]] && [[ ${p#services.*.depends_on.} != *.* ]]; then
        s=${p#services.}; s=${s%%.depends_on.*}; k=${p##*.depends_on.}
        depcond[$s|$k]=${depcond[$s|$k]:-service_started}
        [[ " ${CP_DEPS[$s]:-} " == *" $k "* ]] || CP_DEPS[$s]="${CP_DEPS[$s]:-} $k"
      fi
      continue
    fi
    _cp_interp "$p" "$v" || continue
    v=$REPLY
    case "$p" in
      name) CP_NAME=$v ;;
      networks.*) k=${p#networks.}; k=${k%%.*}; [[ " $CP_TOPNET " == *" $k "* ]] || CP_TOPNET+=" $k" ;;
      volumes.*) k=${p#volumes.}; k=${k%%.*}; [[ " $CP_TOPVOL " == *" $k "* ]] || CP_TOPVOL+=" $k" ;;
      services.*.*)
        s=${p#services.}; s=${s%%.*}; rest=${p#services."$s".}
        [ -n "${seen[$s]:-}" ] || { seen[$s]=1; CP_SVCS+=("$s"); }
        case "$rest" in
          image) CP_IMG[$s]=$v ;;
          container_name) CP_CNAME[$s]=$v; CP_REST[$s]+="$rest=$v"$'\n' ;;
          environment.\[*\])
            if [[ $v == *=* ]]; then k=${v%%=*}; v=${v#*=}
            else k=$v; _dv_get "$k" || { [[ " ${CP_ENVK[$s]:-} " == *" $k "* ]] || CP_ENVK[$s]+=" $k"; unset "CP_ENVV[$s|$k]"; continue; }; v=$DV_V; fi
            [[ " ${CP_ENVK[$s]:-} " == *" $k "* ]] || CP_ENVK[$s]+=" $k"
            CP_ENVV[$s|$k]=$v ;;
          environment.*) k=${rest#environment.}
            [[ " ${CP_ENVK[$s]:-} " == *" $k "* ]] || CP_ENVK[$s]+=" $k"
            CP_ENVV[$s|$k]=$v ;;
          depends_on.\[*\]) depcond[$s|$v]=${depcond[$s|$v]:-service_started}; [[ " ${CP_DEPS[$s]:-} " == *" $v "* ]] || CP_DEPS[$s]="${CP_DEPS[$s]:-} $v" ;;
          depends_on.*.condition) k=${rest#depends_on.}; k=${k%.condition}; depcond[$s|$k]=$v ;;
          depends_on.*) ;;
          volumes.\[*\]) CP_VOLS[$s]+="$v"$'\n'; CP_REST[$s]+="volumes=$v"$'\n' ;;
          networks.\[*\]) CP_REST[$s]+="networks.$v"$'\n' ;;
          *) CP_REST[$s]+="$rest=$v"$'\n' ;;
        esac ;;
    esac
  done < <(awk "$_CP_AWK" "$f")
  # map-form networks (`networks:\n  k2-internal:`) count as the list form does
  local dl d out
  for s in "${CP_SVCS[@]}"; do
    [ -n "${CP_CNAME[$s]:-}" ] || CP_CNAME[$s]=$s # set by compose_project (needs the project name)
    out=""; for d in ${CP_DEPS[$s]:-}; do out+=" $d:${depcond[$s|$d]:-service_started}"; done
    CP_DEPS[$s]=${out# }
    CP_ENVK[$s]=${CP_ENVK[$s]# }
  done
  CP_TOPNET=${CP_TOPNET# }; CP_TOPVOL=${CP_TOPVOL# }
  [ -z "$CP_ERR" ]
}

compose_default_names() { # compose_default_names PROJECT — services without container_name run as <project>-<service>-1
  local s
  for s in "${CP_SVCS[@]}"; do [[ ${CP_REST[$s]:-} == *"container_name="* ]] || CP_CNAME[$s]="$1-$s-1"; done
}

compose_service_of() { # container name → service of the loaded file ("" when none)
  local s; for s in "${CP_SVCS[@]}"; do [ "${CP_CNAME[$s]}" = "$1" ] && { echo "$s"; return; }; done
}

compose_env_json() { # compose_env_json SERVICE → the container's environment as compose passes it (JSON object, file order)
  local s=$1 k out="" sep=""
  for k in ${CP_ENVK[$s]:-}; do
    [ -n "${CP_ENVV[$s|$k]+x}" ] || continue
    _dv_json "$k"; out+=$sep$REPLY:; sep=,
    _dv_json "${CP_ENVV[$s|$k]}"; out+=$REPLY
  done
  printf '{%s}\n' "$out"
}

compose_conf_r() { # compose_conf_r SERVICE → REPLY: the service's resolved configuration, canonical (compose's config hash input):
  # everything but depends_on, the environment as a sorted map, the image; equal text = compose would not recreate.
  # Lines in byte order (LC_ALL=C sort), sorted here (a few dozen lines: no sort process); no trailing newline.
  local s=$1 k lines=() i j x out=""
  lines+=("image=${CP_IMG[$s]:-}")
  for k in ${CP_ENVK[$s]:-}; do [ -n "${CP_ENVV[$s|$k]+x}" ] && lines+=("environment.$k=${CP_ENVV[$s|$k]}"); done
  while IFS= read -r k; do [ -n "$k" ] && lines+=("$k"); done <<< "${CP_REST[$s]:-}"
  # a value with a newline is more than one line to sort: sort would sort each on its own
  if [[ ${lines[*]} == *$'\n'* ]]; then REPLY=$(printf '%s\n' "${lines[@]}" | LC_ALL=C sort); return; fi
  local LC_ALL=C
  for ((i = 1; i < ${#lines[@]}; i++)); do
    x=${lines[i]}
    for ((j = i - 1; j >= 0; j--)); do [[ ${lines[j]} > $x ]] || break; lines[j + 1]=${lines[j]}; done
    lines[j + 1]=$x
  done
  printf -v out '%s\n' "${lines[@]}"
  REPLY=${out%$'\n'}
}
compose_conf() { compose_conf_r "$1"; printf '%s\n' "$REPLY"; }

compose_order() { compose_order_r "$@"; printf '%s\n' "${ORDER[@]}"; }
compose_order_r() { # → ORDER: the services (or the given ones) in dependency order: dependencies first
  local want=("$@") out=() s d ok progress=1
  [ ${#want[@]} -gt 0 ] || want=("${CP_SVCS[@]}")
  local -A done=()
  while [ ${#out[@]} -lt ${#want[@]} ] && [ "$progress" = 1 ]; do
    progress=0
    for s in "${want[@]}"; do
      [ -n "${done[$s]:-}" ] && continue
      ok=1
      for d in ${CP_DEPS[$s]:-}; do d=${d%%:*}; [[ " ${want[*]} " == *" $d "* ]] && [ -z "${done[$d]:-}" ] && ok=0; done
      [ "$ok" = 1 ] && { out+=("$s"); done[$s]=1; progress=1; }
    done
  done
  ORDER=("${out[@]}"); [ ${#out[@]} -gt 0 ] || ORDER=("") # (as `mapfile < <(printf '%s\n')` reads none: one empty name)
}

compose_with_deps() { # the given services plus everything they depend on (compose's WithSelectedServices)
  local -A sel=() ; local queue=("$@") s d
  while [ ${#queue[@]} -gt 0 ]; do
    s=${queue[0]}; queue=("${queue[@]:1}")
    [ -n "${sel[$s]:-}" ] && continue
    sel[$s]=1
    for d in ${CP_DEPS[$s]:-}; do queue+=("${d%%:*}"); done
  done
  for s in "${CP_SVCS[@]}"; do [ -n "${sel[$s]:-}" ] && echo "$s"; done
}
