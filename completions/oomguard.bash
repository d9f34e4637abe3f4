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

# Word list for the value of option $1 (metavar $2) of command $3.
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
            COMPREPLY=($(compgen -c -- "$cur"))
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
    local val=
    if [[ $cur == --*=* ]]; then
        long=${cur%%=*} val=${cur#*=}
    elif [[ $cur == = && $prev == --* ]]; then
        long=$prev
    elif [[ $prev == = ]] && ((COMP_CWORD >= 2)) && [[ ${COMP_WORDS[COMP_CWORD-2]} == --* ]]; then
        long=${COMP_WORDS[COMP_CWORD-2]} val=$cur
    fi
    if [[ -n $long ]]; then
        meta=$(while IFS=';' read -r l m s; do [[ $l == "$long" ]] && echo "$m"; done <<<"$opts")
        _oomguard_values "$long" "$meta" "$cmd" "$val"
        return
    fi
    # --opt VALUE in two words.
    if ((COMP_CWORD - 1 > cmdi)) && [[ " ${takes[*]} " == *" $prev "* ]]; then
        while IFS=';' read -r long meta short; do
            if [[ $prev == "$long" || (-n $short && $prev == "$short") ]]; then
                _oomguard_values "$long" "$meta" "$cmd" "$cur"
                return
            fi
        done <<<"$opts"
        return
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
            COMPREPLY=($(compgen -c -- "$cur"))
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
