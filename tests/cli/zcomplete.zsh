# Drives real zsh completion: types $2 into an interactive zsh whose fpath
# starts with $1, presses Tab once, and prints the command line afterwards
# (escape sequences removed).  Used by completion.bats.
setopt extendedglob
zmodload zsh/zpty || exit 3
fpdir=$1 buf=$2
zpty -b z zsh -f -i
zpty -w z "PS1=''; PROMPT_EOL_MARK=''; unsetopt zle_bracketed_paste 2>/dev/null; fpath=($fpdir \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "print RE''ADY"
zpty -r z line '*READY*'
zpty -n -w z "$buf"$'\t'
sleep 1
out=
while zpty -r -t z line; do out+=$line; done
zpty -d z
# Keep the last screen line of the edit buffer.
out=${out//$'\e'\[[0-9;?]#[a-zA-Z]/}
out=${out//$'\a'/}
out=${out//$'\r'/$'\n'}
print -r -- ${${(f)out}[(R)*oomguard*]}
