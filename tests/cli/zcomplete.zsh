# Drives real zsh completion: types $2 into an interactive zsh whose fpath
# starts with $1, presses Tab once, and prints the command line afterwards
# (escape sequences removed).  With $3 (the line expected), it waits up to 10 s
# for that line to appear instead of a fixed time, so a loaded machine does
# not make it flaky.  Used by completion.bats.
setopt extendedglob
zmodload zsh/zpty || exit 3
zmodload zsh/datetime
fpdir=$1 buf=$2 want=${3-}
zpty -b z zsh -f -i
zpty -w z "PS1=''; PROMPT_EOL_MARK=''; unsetopt zle_bracketed_paste 2>/dev/null; fpath=($fpdir \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "print RE''ADY"
zpty -r z line '*READY*'
zpty -n -w z "$buf"$'\t'
screen() {
	local o=${raw//$'\e'\[[0-9;?]#[a-zA-Z]/}
	o=${o//$'\a'/}
	o=${o//$'\r'/$'\n'}
	# The last screen line that holds the edit buffer.
	print -r -- ${${(f)o}[(R)*oomguard*]}
}
raw=
# A Tab that changes nothing gives no sign of being done: wait 2 s for it.
if [[ -n $want && $want != $buf ]]; then wait_s=10; else wait_s=2; fi
limit=$(( EPOCHREALTIME + wait_s ))
while (( EPOCHREALTIME < limit )); do
	while zpty -r -t z line; do raw+=$line; done
	[[ -n $want && $want != $buf && "$(screen)" == "$want" ]] && break
	sleep 0.1
done
zpty -d z
screen
