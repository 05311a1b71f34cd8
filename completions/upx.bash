# Bash completion for upx-totp, upx-login, upx-jwt and upx-perm.
#
# Source this file from ~/.bashrc, or install it under each tool's name in
# bash-completion's completions folder so that its lazy loading finds it
# (install.sh does that). It uses only bash's own completion builtins, so it
# works without bash-completion too.

# Fills COMPREPLY with the profiles whose names start with $1. A profile NAME
# is a file ${XDG_CONFIG_HOME:-$HOME/.config}/upx/NAME.env.
_upx_profiles() {
    local file name
    for file in "${XDG_CONFIG_HOME:-$HOME/.config}"/upx/*.env; do
        [[ -e $file ]] || continue
        name=${file##*/}
        name=${name%.env}
        [[ $name == "$1"* ]] && COMPREPLY+=("$name")
    done
}

# Fills COMPREPLY with the files and folders whose names start with $1.
_upx_files() {
    # compopt fails outside a completion, as when a test calls _upx directly.
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

# Completes the command that upx-login --exec or exec runs: its name, then files for its
# arguments. Returns 1, completing nothing, when the cursor is not on that command line.
_upx_login_command() {
    local index word exec_given=0 command_index=0 options_ended=0
    for ((index = 1; index < COMP_CWORD; index++)); do
        word=${COMP_WORDS[index]}
        if ((options_ended)) || [[ $word != -* ]]; then
            if [[ $word == exec ]] && ((!exec_given)); then
                exec_given=1
            elif ((exec_given)); then
                command_index=$index
                break
            fi
        elif [[ $word == -- ]]; then
            options_ended=1
        elif [[ $word == --exec ]]; then
            exec_given=1
        fi
        # Skip an option's value, which bash splits from "--name=value" as "=" and the value.
        case $word in
            -P | --profile | --env-file | --shell | --format | --keyring | --min-valid | --audit-log | --connect-timeout | --timeout | --retries)
                ((index++))
                [[ ${COMP_WORDS[index]} == = ]] && ((index++)) ;;
        esac
    done
    ((exec_given)) || return 1

    if ((command_index)); then
        _upx_files "${COMP_WORDS[COMP_CWORD]}"
    elif ((options_ended)) || [[ ${COMP_WORDS[COMP_CWORD]} != -* ]]; then
        mapfile -t COMPREPLY < <(compgen -c -- "${COMP_WORDS[COMP_CWORD]}")
    else
        return 1
    fi
}

# Completes the word at the cursor for one upx tool. Bash passes the command name as $1.
_upx() {
    local tool=${1##*/}
    local current=${COMP_WORDS[COMP_CWORD]}
    local previous=${COMP_WORDS[COMP_CWORD-1]}
    COMPREPLY=()

    # Bash splits "--name=value" into "--name", "=" and "value", so look past the "=".
    if [[ $current == = ]]; then
        current=""
    elif [[ $previous == = ]] && ((COMP_CWORD >= 2)); then
        previous=${COMP_WORDS[COMP_CWORD-2]}
    fi

    # The word after an option that takes a value is that value, never an option name.
    case $tool:$previous in
        upx-totp:-a | upx-totp:--algorithm)
            mapfile -t COMPREPLY < <(compgen -W "sha1 sha256 sha512" -- "$current")
            return ;;
        upx-totp:-d | upx-totp:--digits | upx-totp:-p | upx-totp:--period | upx-totp:--at | upx-totp:--epoch | upx-totp:--counter | upx-totp:--window | upx-totp:--verify)
            return ;;
        upx-totp:--secret-file | upx-login:--env-file | upx-login:--audit-log)
            _upx_files "$current"
            return ;;
        upx-login:-P | upx-login:--profile | upx-totp:-P | upx-totp:--profile | upx-jwt:-P | upx-jwt:--profile)
            _upx_profiles "$current"
            return ;;
        upx-jwt:--keyring | upx-login:--keyring)
            mapfile -t COMPREPLY < <(compgen -W "user persistent session" -- "$current")
            return ;;
        upx-login:--shell)
            mapfile -t COMPREPLY < <(compgen -W "sh bash zsh fish csh tcsh" -- "$current")
            return ;;
        upx-login:--format)
            mapfile -t COMPREPLY < <(compgen -W "export env json token" -- "$current")
            return ;;
        upx-perm:--max-age | upx-jwt:--min-valid | upx-jwt:--leeway | upx-jwt:--claim | upx-login:--min-valid | upx-login:--connect-timeout | upx-login:--timeout | upx-login:--retries)
            return ;;
    esac

    local options operands_are_files=0
    case $tool in
        upx-totp) options="-a --algorithm -d --digits -p --period --epoch --counter --at --window --remaining --next --verify --watch --json --secret-file -P --profile" ;;
        upx-login)
            _upx_login_command && return
            # "exec" is the operand that starts "upx-login exec COMMAND".
            options="-e --export --shell -p --print --json --format --exec -P --profile --env-file --check-config --list-profiles -f --force --keyring --no-keyring --min-valid --verify-online --status --logout --purge --connect-timeout --timeout --retries --audit-log -d --debug -q --quiet exec" ;;
        upx-jwt) options="--check --min-valid --leeway --remaining --claim --json -P --profile --keyring" ;;
        upx-perm) options="--fix -r --recursive --max-age --record --json -q --quiet" operands_are_files=1 ;;
        *) return ;;
    esac
    options+=" -h --help --version"

    # After "--" every word is an operand.
    local index options_ended=0
    for ((index = 1; index < COMP_CWORD; index++)); do
        [[ ${COMP_WORDS[index]} == -- ]] && options_ended=1
    done

    # Tools without file operands offer their options even before a "-" is typed.
    if ((!options_ended)) && [[ $current == -* || $operands_are_files == 0 ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$options" -- "$current")
    elif ((operands_are_files)); then
        _upx_files "$current"
    fi
}

complete -F _upx upx-totp upx-login upx-jwt upx-perm
