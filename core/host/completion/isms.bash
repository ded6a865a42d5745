# bash completion for isms. Installed by `make install` into
# PREFIX/share/bash-completion/completions/isms.
#
# The commands, their subcommands and options are read from the program's
# own help (`isms help`, `isms help COMMAND`), so the completion follows
# the isms it completes, including commands added after this file.

_isms_commands() {
  "$1" help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'
}

# Options (--name) of a command, from its help text.
_isms_options() {
  "$1" help "$2" 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
}

# Subcommands: the words of the first alternation on the usage line,
# "isms import assets|risks FILE" or "isms risks [list|generate CATALOG|...]".
_isms_subcommands() {
  "$1" help "$2" 2>/dev/null | sed -n "1s/^usage: isms $2 //p" |
    sed -e '/^\[/{s/^\[//;s/\].*//;}' -e '/^[-A-Z]/d' -e 's/\[[^]]*\]//g' | tr '|' '\n' |
    sed -n 's/^ *\([a-z][a-z-]*\).*/\1/p' |
    grep -v '^[A-Z]' | sort -u
}

_isms() {
  local cur prev exe cmd k
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  exe=${COMP_WORDS[0]}
  command -v "$exe" >/dev/null 2>&1 || exe=isms

  case $prev in
    --db|--out) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
    --actor|--reason) return ;;
  esac

  # The command: the first word after the global options and their values.
  cmd=
  k=1
  while [ $k -lt $COMP_CWORD ]; do
    case ${COMP_WORDS[k]} in
      --db|--actor) k=$((k + 2)); continue ;;
      -*) ;;
      *) cmd=${COMP_WORDS[k]}; break ;;
    esac
    k=$((k + 1))
  done

  if [ -z "$cmd" ]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "--db --actor --help --version" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$(_isms_commands "$exe")" -- "$cur"))
    fi
    return
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_isms_options "$exe" "$cmd") --help" -- "$cur"))
    return
  fi
  if [ "$cmd" = help ] && [ $((k + 1)) -eq $COMP_CWORD ]; then
    COMPREPLY=($(compgen -W "$(_isms_commands "$exe")" -- "$cur"))
    return
  fi
  if [ $((k + 1)) -eq $COMP_CWORD ]; then
    local subs
    subs=$(_isms_subcommands "$exe" "$cmd")
    if [ -n "$subs" ]; then
      COMPREPLY=($(compgen -W "$subs" -- "$cur"))
      return
    fi
  fi
  COMPREPLY=($(compgen -f -- "$cur"))
  compopt -o filenames 2>/dev/null
}

complete -F _isms isms
