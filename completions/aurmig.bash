# bash completion for aurmig
_aurmig()
{
    local cur prev words cword
    _init_completion || return
    local verbs="init upgrade downgrade stamp current check config-stamp validate resume mark-applied mark-rolled-back heads branches history show revision merge schema lint test hash lock help"
    local globals="--url --aurweb-config --config-file --dir --lock-timeout --lock-mode --lock-lease --allow-non-toi --timeout --ddl-lock-wait --lock-retries --json --no-sum-check --no-color --quiet --verbose --version --help"
    local verb="" dir="migrations" i
    for ((i = 1; i < cword; i++)); do
        case "${words[i]}" in
            --dir|-d) dir="${words[i+1]}" ;;
            -*) ;;
            *) case " $verbs " in *" ${words[i]} "*) verb="${words[i]}"; break ;; esac ;;
        esac
    done
    case "$prev" in
        --dir|-d|--aurweb-config|--config-file) _filedir; return ;;
        --url|--lock-timeout|--lock-lease|--timeout|--ddl-lock-wait|--lock-retries|-m|--message|--rev-id|--branch-label) return ;;
        --dialect) COMPREPLY=($(compgen -W "sqlite mysql pgsql" -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "text json gcc github" -- "$cur")); return ;;
        --error|--warning|--info|--ignore) return ;;
    esac
    if [[ -z "$verb" ]]; then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=($(compgen -W "$globals" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
        fi
        return
    fi
    local opts=""
    case "$verb" in
        upgrade) opts="--one-transaction --check-drift --scratch-url --sql --dialect --ddl-lock-wait --lock-retries --online --warn-blocking" ;;
        downgrade) opts="--sql --dialect --ddl-lock-wait --lock-retries --online --warn-blocking" ;;
        stamp) opts="--purge --sql --dialect --ddl-lock-wait --lock-retries" ;;
        resume) opts="--ddl-lock-wait --lock-retries" ;;
        current) opts="-v --timeout" ;;
        validate) opts="--accept -v --timeout" ;;
        heads) opts="--single -v" ;;
        history) opts="-r -v -i" ;;
        revision) opts="-m --head --branch-label --depends-on --rev-id --autogenerate --scratch-url" ;;
        check) opts="--schema --scratch-url --timeout" ;;
        lock) opts="--break --force --timeout" ;;
        merge) opts="-m --branch-label --rev-id" ;;
        schema) opts="dump diff --dialect --all --declared --scratch-url" ;;
        test) opts="--scratch-url --only" ;;
        lint) opts="--all --pending --since --dialect --check-down --error --warning --info --ignore --werror --format --list-rules" ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
        return
    fi
    # revision ids from the scripts' file names, plus the symbolic targets
    local ids="head heads base"
    if [[ -d "$dir" ]]; then
        local f
        for f in "$dir"/*.sql; do
            [[ -e "$f" ]] || continue
            f="${f##*/}"
            ids+=" ${f%%_*}"
        done
    fi
    COMPREPLY=($(compgen -W "$ids" -- "$cur"))
} && complete -F _aurmig aurmig
