# bash completion for oomguard(1)                              -*- shell-script -*-
#
# Options are read from `oomguard COMMAND --help` of the binary being completed,
# so the completion can never offer an option that this binary does not take
# (the same help text is the source tests/cli/docs.bats holds the man page and
# the README to).  Works with or without the bash-completion package.

_oomguard_commands="run protect top doctor why watch"

# Options of one command, one per line as "LONG;METAVAR;SHORT" (METAVAR empty
# for a flag, "[=X]" for an optional argument; SHORT may be empty).
# $1 = binary, $2 = command.
_oomguard_opts()
{
    "$1" "$2" --help 2>/dev/null |
        sed -nE 's/^[[:space:]]+((-[[:alnum:]]),[[:space:]]+)?(--[[:alnum:]][[:alnum:]-]*)(\[=[^]]*\]|[ =][A-Z][A-Z0-9_.:|-]*)?([[:space:]].*)?$/\3;\4;\2/p' |
        sed -E 's/;[ =]/;/'
}

# The keys of --warn=SPEC, from the binary's own grammar (src/warn_spec.c
# names them when it rejects a key); the documented ones if it does not.
# $1 = binary.
_oomguard_warn_keys()
{
    local k
    k=$("$1" run --warn=_: -- true 2>&1 | sed -n 's/.*(known: \([^)]*\)).*/\1/p')
    echo "${k:-available critical eta critical-eta psi-some psi-full critical-psi-full clear rearm}"
}

# SPEC is KEY:VALUE[,KEY:VALUE...]: complete the item under the cursor.
# $1 = binary, $2 = the word so far.
_oomguard_warnspec()
{
    local cur=$2 done='' item k keys w=()
    [[ $cur == *,* ]] && done=${cur%,*}, item=${cur##*,} || item=$cur
    if [[ $item == *:* ]]; then
        k=${item%%:*}
        case $k in
        available|critical) w=(10% 5% 512M 2G off) ;;
        eta|critical-eta|rearm) w=(10s 3s 500ms 2m off) ;;
        psi-*|critical-psi-*) w=(20 10 50 off) ;;
        clear) w=(3 1 5) ;;
        esac
        COMPREPLY=($(compgen -P "$done$k:" -W "${w[*]}" -- "${item#*:}"))
        return
    fi
    keys=$(_oomguard_warn_keys "$1")
    # A key given once only: do not offer what the spec already has.
    for k in $keys; do
        [[ ,$done == *",$k:"* ]] || w+=("$k:")
    done
    COMPREPLY=($(compgen -P "$done" -W "${w[*]}" -- "$item"))
    compopt -o nospace 2>/dev/null
}

# The word under the cursor as typed: bash splits "--warn=eta:1" at '=' and
# ':' (COMP_WORDBREAKS), the completion wants it whole.
_oomguard_rawword()
{
    if [[ -n ${COMP_LINE-} ]]; then
        local l=${COMP_LINE:0:COMP_POINT}
        echo "${l##*[[:space:]]}"
    else
        echo "${COMP_WORDS[COMP_CWORD]}"
    fi
}

# The word before that one, as typed.
_oomguard_rawprev()
{
    if [[ -n ${COMP_LINE-} ]]; then
        local l=${COMP_LINE:0:COMP_POINT}
        l=${l%"$1"}
        l=${l%"${l##*[![:space:]]}"}
        echo "${l##*[[:space:]]}"
    else
        echo "${COMP_WORDS[COMP_CWORD-1]}"
    fi
}

# Readline replaces only the text after the last word-break character; drop
# what comes before it (up to $1's last break) from every reply.
_oomguard_trim_breaks()
{
    local v=$1 keep i
    [[ -n ${COMP_LINE-} ]] || return
    keep=${v##*["${COMP_WORDBREAKS// /}"]}
    local pre=${v%"$keep"}
    [[ -n $pre ]] || return
    for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=${COMPREPLY[i]#"$pre"}; done
}

# Memory cgroups as every output prints them ("/x/y"), below the v1 memory
# hierarchy or cgroup2; a word starting with /sys completes as a directory.
# $1 = the word so far.
_oomguard_cgroups()
{
    local cur=$1 m d mnts=()
    if [[ $cur == /sys* ]]; then
        COMPREPLY=($(compgen -d -- "$cur"))
        compopt -o nospace 2>/dev/null
        return
    fi
    # mountinfo: ID PARENT DEV ROOT MOUNT OPTS [OPTIONAL...] - TYPE SOURCE SUPEROPTS
    while read -r m; do mnts+=("$m"); done < <(awk '{
        for (i = 7; i <= NF && $i != "-"; i++) ;
        if ($(i + 1) == "cgroup2" || ($(i + 1) == "cgroup" && ("," $(i + 3) ",") ~ /,memory,/)) print $5
    }' /proc/self/mountinfo 2>/dev/null)
    COMPREPLY=()
    for m in "${mnts[@]}"; do
        [[ $cur == /* || -z $cur ]] || cur=/$cur
        for d in $(compgen -d -- "$m${cur:-/}"); do
            COMPREPLY+=("${d#"$m"}/")
        done
    done
    COMPREPLY=($(printf '%s\n' "${COMPREPLY[@]}" | sort -u))
    compopt -o nospace 2>/dev/null
}

# Commands for the job, without the shell's own keywords ("if", "then").
_oomguard_cmds()
{
    local kw c
    kw=" $(compgen -k | tr '\n' ' ') "
    COMPREPLY=()
    while IFS= read -r c; do
        [[ $kw == *" $c "* ]] || COMPREPLY+=("$c")
    done < <(compgen -c -- "$1")
}

# Word list for the value of option $1 (metavar $2) of command $3; $4 is
# the word so far, $5 the binary.
_oomguard_values()
{
    local cur=$4
    case $1 in
    --warn-signal|--signal)
        # Both spellings: SIGUSR1 and USR1.
        local s sigs
        sigs=$(compgen -A signal)
        if [[ $cur == [Ss]* ]]; then
            COMPREPLY=($(compgen -W "$sigs" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$sigs ${sigs//SIG/} none" -- "$cur"))
        fi
        return ;;
    --oomd)
        COMPREPLY=($(compgen -W "omit avoid none" -- "$cur")); return ;;
    --warn|--warn-spec)
        _oomguard_warnspec "$5" "$cur"; _oomguard_trim_breaks "$cur"; return ;;
    --cgroup)
        _oomguard_cgroups "$cur"; return ;;
    --memory-max|--memory-high)
        # sizes take K/M/G/T, or a share of RAM
        COMPREPLY=($(compgen -W "512M 1G 2G 4G 8G 16G 32G 50% 80% 90%" -- "$cur")); return ;;
    --swap-max)
        COMPREPLY=($(compgen -W "0 512M 1G 2G 4G" -- "$cur")); return ;;
    --sort)
        COMPREPLY=($(compgen -W "rank pid rss swap pte adj score comm user" -- "$cur")); return ;;
    --on-warn|--on-critical)
        COMPREPLY=($(compgen -c -- "$cur")); return ;;
    --user)
        COMPREPLY=($(compgen -u -- "$cur")); return ;;
    --directory)
        COMPREPLY=($(compgen -d -- "$cur")); return ;;
    esac
    case ${2#[=} in
    FILE*|PATH*|LOG*)
        COMPREPLY=($(compgen -f -- "$cur"))
        [[ $1 == --file && -- == "$cur"* ]] && COMPREPLY+=(-)
        return ;;
    DIR*) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    esac
    COMPREPLY=()
}

_oomguard_pids()
{
    local p pids=()
    for p in /proc/[0-9]*; do pids+=("${p#/proc/}"); done
    COMPREPLY=($(compgen -W "${pids[*]}" -- "$1"))
}

_oomguard()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local bin=${COMP_WORDS[0]} cmd= cmdi=0 dashdash=0 i
    COMPREPLY=()
    # Unexpanded "~/bin/oomguard" must still run.
    [[ $bin == "~"* ]] && bin=${bin/#\~/$HOME}
    command -v "$bin" >/dev/null 2>&1 || bin=oomguard

    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ -z $cmd ]]; then
            case ${COMP_WORDS[i]} in
            -*) ;;
            *) cmd=${COMP_WORDS[i]}; cmdi=$i ;;
            esac
        elif [[ ${COMP_WORDS[i]} == -- ]]; then
            dashdash=$i
            break
        fi
    done

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$_oomguard_commands" -- "$cur"))
        fi
        return
    fi

    # After "run ... --": the job's command, then its own arguments.
    if ((dashdash)); then
        if ((COMP_CWORD == dashdash + 1)); then
            _oomguard_cmds "$cur"
        else
            COMPREPLY=($(compgen -f -- "$cur"))
        fi
        return
    fi

    local opts long meta short takes=() args=0 skip=0
    opts=$(_oomguard_opts "$bin" "$cmd")
    # Options that take the next word as their value.
    while IFS=';' read -r long meta short; do
        [[ -n $meta && $meta != \[* ]] || continue
        takes+=("$long")
        [[ -n $short ]] && takes+=("$short")
    done <<<"$opts"

    # --opt=VALUE: one word, or three when "=" is in COMP_WORDBREAKS (the default).
    local val= raw
    raw=$(_oomguard_rawword)
    if [[ $raw == --*=* && $raw != "$cur" ]]; then
        long=${raw%%=*} val=${raw#*=}
    elif [[ $cur == --*=* ]]; then
        long=${cur%%=*} val=${cur#*=}
    elif [[ $cur == = && $prev == --* ]]; then
        long=$prev
    elif [[ $prev == = ]] && ((COMP_CWORD >= 2)) && [[ ${COMP_WORDS[COMP_CWORD-2]} == --* ]]; then
        long=${COMP_WORDS[COMP_CWORD-2]} val=$cur
    fi
    if [[ -n $long ]]; then
        meta=$(while IFS=';' read -r l m s; do [[ $l == "$long" ]] && echo "$m"; done <<<"$opts")
        _oomguard_values "$long" "$meta" "$cmd" "$val" "$bin"
        return
    fi
    # --opt VALUE in two words.
    if ((COMP_CWORD - 1 > cmdi)) && [[ " ${takes[*]} " == *" $prev "* ]]; then
        while IFS=';' read -r long meta short; do
            if [[ $prev == "$long" || (-n $short && $prev == "$short") ]]; then
                _oomguard_values "$long" "$meta" "$cmd" "$cur" "$bin"
                return
            fi
        done <<<"$opts"
        return
    fi

    # "run --warn SPEC": run takes a valid spec as the next word too.
    if [[ $cmd == run && $(_oomguard_rawprev "$raw") == --warn && ($raw == *:* || $prev == --warn) ]]; then
        _oomguard_warnspec "$bin" "$raw"
        _oomguard_trim_breaks "$raw"
        ((${#COMPREPLY[@]})) && return
        compopt +o nospace 2>/dev/null
    fi

    # Count the operands before the cursor (options and their values skipped).
    for ((i = cmdi + 1; i < COMP_CWORD; i++)); do
        if ((skip)); then skip=$((skip - 1)); continue; fi
        case ${COMP_WORDS[i]} in
        --*=*) ;;
        -*)
            if [[ ${COMP_WORDS[i+1]} == = ]]; then
                skip=2
            elif [[ " ${takes[*]} " == *" ${COMP_WORDS[i]} "* ]]; then
                skip=1
            fi ;;
        *) args=$((args + 1)) ;;
        esac
    done

    if [[ $cur == -* ]] && { [[ $cmd != run ]] || ((args == 0)); }; then
        local words=()
        while IFS=';' read -r long meta short; do
            [[ -n $long ]] && words+=("$long")
        done <<<"$opts"
        [[ $cmd == run ]] && words+=(--)
        COMPREPLY=($(compgen -W "${words[*]}" -- "$cur"))
        return
    fi

    # "run [OPTIONS] CMD ..." without "--": getopt stops at CMD.
    if [[ $cmd == run ]]; then
        if ((args == 0)); then
            _oomguard_cmds "$cur"
        else
            COMPREPLY=($(compgen -f -- "$cur"))
        fi
        return
    fi

    case $cmd in
    protect|doctor|watch) _oomguard_pids "$cur" ;;
    esac
}
complete -F _oomguard oomguard
