# shellcheck shell=bash
# Docker Compose v2's reading of a project's .env (compose-go: dotenv/parser.go,
# dotenv/godotenv.go, dotenv/env.go, template/template.go), in pure bash: every
# compose command parses .env, so no fork per call. Sourceable on its own (the
# unit tests run it without a node). Rules mirrored, not generalised:
#  - statements: leading whitespace and `#` comment lines skipped; `export ` prefix;
#    key ends at the first `=`, `:` (yaml-ish `KEY: value`) or newline (a bare
#    `KEY` line takes KEY from the process environment, else stays unset);
#    key characters letters/digits/_ . - [ ] (else "unexpected character");
#  - unquoted value: to end of line, cut at the first " #", trailing whitespace
#    trimmed, then interpolated;
#  - '…': literal (only \' unescaped), may span lines, no interpolation;
#  - "…": may span lines; \" unescaped, then \a\b\f\n\r\t\v \\ \$ \0ooo escapes,
#    then interpolated; after a closing quote parsing resumes on the same line;
#  - interpolation (template.Substitute): $$ → $, $VAR, ${VAR}, ${VAR:-d} ${VAR-d}
#    ${VAR:+a} ${VAR+a} ${VAR:?e} ${VAR?e} (d/a/e interpolated in turn); lookup =
#    process environment first, then keys defined earlier in the file; an unset
#    plain reference is "" plus a WARN; `${` not forming one of these is an error.
# Results: DOTENV (key → value), DOTENV_KEYS (first-definition order), DOTENV_WARN
# (variable names, in the order compose warns), DOTENV_ERR (compose's message
# without the "failed to read <file>: " prefix). NUL bytes (\0000) are dropped.

declare -gA DOTENV=() DV_PROCENV=()
declare -ga DOTENV_KEYS=() DOTENV_WARN=()
DOTENV_ERR="" DOTENV_FILE="" DV_PROCENV_PID=""
DV_SP=$' \t\v\f\r'     # isSpace (no newline)
DV_WS=$' \t\n\v\f\r'   # unicode.IsSpace (ASCII part)

_dv_procenv() { # the environment this process was started with (what compose's os.Environ() holds)
  [ "$DV_PROCENV_PID" = "$$" ] && return
  DV_PROCENV=(); DV_PROCENV_PID=$$
  local e
  # the docker shim reaches root through sudo: the caller's own environment came along in K2SIM_CALLER_ENV
  if [ -n "${K2SIM_CALLER_ENV+x}" ]; then
    while IFS= read -r -d $'\001' e; do [[ $e == *=* ]] && DV_PROCENV[${e%%=*}]=${e#*=}; done <<< "$K2SIM_CALLER_ENV"
    return
  fi
  while IFS= read -r -d '' e; do [[ $e == *=* ]] && DV_PROCENV[${e%%=*}]=${e#*=}; done < "/proc/$$/environ"
}

_dv_get() { # NAME → DV_V; status 1 when unset (process environment wins over the file)
  _dv_procenv
  if [ -n "${DV_PROCENV[$1]+x}" ]; then DV_V=${DV_PROCENV[$1]}; return 0; fi
  if [ -n "${DOTENV[$1]+x}" ]; then DV_V=${DOTENV[$1]}; return 0; fi
  DV_V=""; return 1
}

_dv_quote() { # Go's %q / %#v of a string → REPLY
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}; s=${s//$'\r'/\\r}
  s=${s//$'\a'/\\a}; s=${s//$'\b'/\\b}; s=${s//$'\f'/\\f}; s=${s//$'\v'/\\v}
  REPLY="\"$s\""
}

_dv_err() { [ -n "$DOTENV_ERR" ] || DOTENV_ERR=$1; }

# template.Substitute TEMPLATE → REPLY; status 1 if it (or a nested part) failed.
# After a failure the scan goes on (ReplaceAllStringFunc does: later warnings still print).
_dv_tpl() {
  local t=$1 orig=$1 out="" pre name op arg s rest cl i c depth fail=0 v set
  while :; do
    pre=${t%%\$*}
    if [ ${#pre} -eq ${#t} ]; then out+=$t; break; fi
    out+=$pre; t=${t:${#pre}}
    if [ "${t:1:1}" = '$' ]; then out+='$'; t=${t:2}; continue; fi
    if [[ $t =~ ^\$([_a-zA-Z][_a-zA-Z0-9]*) ]]; then
      name=${BASH_REMATCH[1]}; t=${t:${#BASH_REMATCH[0]}}
      _dv_get "$name" || DOTENV_WARN+=("$name")
      out+=$DV_V; continue
    fi
    if [ "${t:1:1}" != '{' ]; then out+='$'; t=${t:1}; continue; fi # a lone $ stays
    if [[ $t =~ ^\$\{([_a-zA-Z][_a-zA-Z0-9]*)\} ]]; then
      name=${BASH_REMATCH[1]}; t=${t:${#BASH_REMATCH[0]}}
      _dv_get "$name" || DOTENV_WARN+=("$name")
      out+=$DV_V; continue
    fi
    # ${NAME<op>…}: the match runs greedily to the last } of the line ("." stops at \n)
    s=${t%%$'\n'*}
    if ! [[ $s =~ ^\$\{([_a-zA-Z][_a-zA-Z0-9]*)(:?[-+?]) ]] || [[ ${s:${#BASH_REMATCH[0]}} != *\}* ]]; then
      _dv_quote "$orig"; _dv_err "Invalid template: $REPLY"; fail=1
      t=${t:2}; continue # the invalid match is just "${"
    fi
    name=${BASH_REMATCH[1]}; op=${BASH_REMATCH[2]}
    s=${s%\}*}'}'
    t=${t:${#s}}
    # getFirstBraceClosingIndex: a "{" also skips the character after it
    cl=-1; depth=0
    for ((i = 0; i < ${#s}; i++)); do
      c=${s:i:1}
      if [ "$c" = '}' ]; then depth=$((depth - 1)); [ "$depth" -eq 0 ] && { cl=$i; break; }; fi
      [ "$c" = '{' ] && { depth=$((depth + 1)); i=$((i + 1)); }
    done
    rest=""
    [ "$cl" -gt -1 ] && { rest=${s:cl+1}; s=${s:0:cl+1}; }
    arg=${s:2:${#s}-3}; arg=${arg#"$name$op"}
    set=0; _dv_get "$name" && set=1
    case "$op" in
      :-|-)
        if [ "$set" = 0 ] || { [ "$op" = :- ] && [ -z "$DV_V" ]; }; then _dv_tpl "$arg" || { fail=1; continue; }; v=$REPLY; else v=$DV_V; fi ;;
      :+|+)
        if [ "$set" = 1 ] && { [ "$op" = + ] || [ -n "$DV_V" ]; }; then _dv_tpl "$arg" || { fail=1; continue; }; v=$REPLY; else v=$DV_V; fi ;;
      ':?'|'?')
        if [ "$set" = 0 ] || { [ "$op" = :? ] && [ -z "$DV_V" ]; }; then
          _dv_tpl "$arg" || { fail=1; continue; }
          _dv_err "required variable $name is missing a value${REPLY:+: $REPLY}"; fail=1; continue
        fi
        v=$DV_V ;;
    esac
    if [ -n "$rest" ]; then _dv_tpl "$rest" || { fail=1; continue; }; v+=$REPLY; fi
    out+=$v
  done
  REPLY=$out
  return $fail
}

_dv_escapes() { # expandEscapes (double-quoted values) → REPLY
  local s=$1 out="" pre d n m
  while [[ $s == *\\* ]]; do
    pre=${s%%\\*}; out+=$pre; s=${s:${#pre}}
    case "${s:1:1}" in
      a) out+=$'\a' ;; b) out+=$'\b' ;; f) out+=$'\f' ;; n) out+=$'\n' ;; r) out+=$'\r' ;; t) out+=$'\t' ;; v) out+=$'\v' ;;
      '$') out+='$$' ;; '"') out+='"' ;; '\') out+='\' ;;
      0)
        [[ $s =~ ^\\0([0-9]{0,3}) ]]; m=${BASH_REMATCH[0]}; d=${BASH_REMATCH[1]}
        if [[ $d =~ ^[0-7]{3}$ ]] && [ $((8#$d)) -le 255 ]; then
          n=$((8#$d)) # UnquoteChar's rune, as UTF-8
          if [ "$n" -ge 128 ]; then printf -v d '%02x' $((0xC0 | (n >> 6))) $((0x80 | (n & 63))); printf -v d "\\x${d:0:2}\\x${d:2:2}"
          elif [ "$n" -gt 0 ]; then printf -v d '%02x' "$n"; printf -v d "\\x$d"
          else d=""; fi
          out+=$d
        else out+=$m; fi
        s=${s:${#m}}; continue ;;
      *) out+='\'; s=${s:1}; continue ;;
    esac
    s=${s:2}
  done
  REPLY=$out$s
}

# dotenv_parse FILE — status 1 (DOTENV_ERR set) when compose would refuse the file
dotenv_parse() { # the process environment is read only once a lookup needs it
  DOTENV=(); DOTENV_KEYS=(); DOTENV_WARN=(); DOTENV_ERR=""; DOTENV_FILE=$1
  local src="" ws nl k key term val q body pre c closed line=1 used re=$'[^][[:alnum:]_.\t\v\f\r -]'
  IFS= read -r -d '' src < "$1"
  src=${src#$'\xef\xbb\xbf'}
  while :; do
    # statement start: whitespace and comment lines
    ws=${src%%[!$DV_WS]*}; nl=${ws//[!$'\n']/}; line=$((line + ${#nl})); src=${src:${#ws}}
    [ -n "$src" ] || break
    if [ "${src:0:1}" = '#' ]; then
      [[ $src == *$'\n'* ]] || break
      src=${src#*$'\n'}; line=$((line + 1)); continue
    fi
    if [[ $src == export[$DV_WS]* ]]; then src=${src#export}; ws=${src%%[!$DV_SP]*}; src=${src:${#ws}}; fi
    k=${src%%[=:$'\n']*}
    if [[ $k == *[!][:alnum:]_.$DV_SP\ [-]* ]] && [[ $k =~ $re ]]; then # (glob first: a regex per line costs)
      _dv_quote "${BASH_REMATCH[0]}"; c=$REPLY; _dv_quote "${src%%$'\n'*}"
      DOTENV_ERR="line $line: unexpected character $c in variable name $REPLY"; return 1
    fi
    [ ${#k} -eq ${#src} ] && break # a last line without terminator sets the key "" (never used)
    term=${src:${#k}:1}; src=${src:${#k}+1}
    key=${k%"${k##*[!$DV_WS]}"}
    [[ $key == *' '* ]] && { DOTENV_ERR="line $line: key cannot contain a space"; return 1; }
    ws=${src%%[!$DV_SP]*}; src=${src:${#ws}}
    if [ "$term" = $'\n' ]; then # bare KEY: inherited from the environment, if there
      line=$((line + 1))
      _dv_get "$key" && { [ -n "${DOTENV[$key]+x}" ] || DOTENV_KEYS+=("$key"); DOTENV[$key]=$DV_V; }
      continue
    fi
    q=${src:0:1}
    if [ "$q" = '"' ] || [ "$q" = "'" ]; then
      body=${src:1}; val=""; closed=0
      while :; do
        if [ "$q" = '"' ]; then pre=${body%%[\\\"]*}; else pre=${body%%[\\\']*}; fi
        [ ${#pre} -eq ${#body} ] && break
        val+=$pre; c=${body:${#pre}:1}; body=${body:${#pre}+1}
        [ "$c" = '\' ] || { closed=1; break; }
        [ -n "$body" ] || break
        c=${body:0:1}; body=${body:1}
        if [ "$c" = "$q" ]; then val+=$c; else val+="\\$c"; fi
      done
      if [ "$closed" = 0 ]; then # the scan ran to the end of the file, counting its lines
        nl=${src//[!$'\n']/}; DOTENV_ERR="line $((line + ${#nl})): unterminated quoted value ${src%%$'\n'*}"; return 1
      fi
      used=$(( ${#src} - ${#body} ))
      nl=${src:0:used}; nl=${nl//[!$'\n']/}; line=$((line + ${#nl})); src=${src:used}
      if [ "$q" = '"' ]; then
        [[ $val == *\\* ]] && { _dv_escapes "$val"; val=$REPLY; }
        if [[ $val == *\$* ]]; then _dv_tpl "$val" || return 1; val=$REPLY; fi
      fi
    else
      val=${src%%$'\n'*}
      if [ ${#val} -eq ${#src} ]; then src=""; else src=${src:${#val}+1}; fi
      line=$((line + 1))
      val=${val%%' #'*}; val=${val%"${val##*[!$DV_WS]}"}
      if [[ $val == *\$* ]]; then _dv_tpl "$val" || return 1; val=$REPLY; fi
    fi
    [ -n "${DOTENV[$key]+x}" ] || DOTENV_KEYS+=("$key")
    DOTENV[$key]=$val
  done
  return 0
}

_dv_json() { # a JSON string literal → REPLY
  local s=$1 out="" c i
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}; s=${s//$'\r'/\\r}
  if [[ $s =~ [[:cntrl:]] ]]; then
    for ((i = 0; i < ${#s}; i++)); do
      c=${s:i:1}
      if [[ $c == [[:cntrl:]] ]]; then printf -v c '\\u%04x' "'$c"; fi
      out+=$c
    done
    s=$out
  fi
  REPLY="\"$s\""
}

# dotenv_json — the parsed file as the containers' env (JSON object, file order).
# Compose interpolates its file with the process environment over .env, so a key
# also in the environment takes the environment's value.
dotenv_json() {
  local k out="" sep=""
  _dv_procenv
  for k in "${DOTENV_KEYS[@]}"; do
    _dv_json "$k"; out+=$sep$REPLY:; sep=,
    if [ -n "${DV_PROCENV[$k]+x}" ]; then _dv_json "${DV_PROCENV[$k]}"; else _dv_json "${DOTENV[$k]}"; fi
    out+=$REPLY
  done
  printf '{%s}\n' "$out"
}
