#!/usr/bin/env bash
# The command line, as runc's: options before the id are vessel's, after it the command's
# (exec, ps); other commands take their options anywhere before "--"; global options only
# before the command. Every --help lists each option on a line of its own, the man pages
# say the same, and `make install` installs both binary and pages under DESTDIR/PREFIX.
. "$(dirname "$0")/../lib.sh"
S=-$$
B=$TMP/b
make_bundle "$B" sleep 300
check "run -d x1" vsl run -d -b "$B" x1$S

# --- exec: everything after the id is the container's command
like "exec ID df -h / runs df -h" "$(vsl exec x1$S df -h / 2>&1)" 'Filesystem +Size +Used'
is "exec ID echo -h: -h is echo's, not exec's help" "$(vsl exec x1$S echo -h x)" "-h x"
is "exec ID echo --env X=1: options after the id are the command's" \
	"$(vsl exec x1$S echo --env X=1)" "--env X=1"
is "exec ID -- CMD: the first -- after the id is dropped" "$(vsl exec x1$S -- echo hi)" hi
is "only the first --: the next one is the command's" "$(vsl exec x1$S -- echo -- x)" "-- x"
is "exec -- ID CMD: -- before the id ends vessel's options" "$(vsl exec -- x1$S echo ok)" ok
is "options before the id are exec's" "$(vsl exec -e V=1 --cwd /tmp x1$S sh -c 'echo $V $(pwd)')" \
	"1 /tmp"
vsl exec --help x1$S echo no >"$TMP/h.out"; rc=$?
is "exec --help before the id: help, exit 0" "$rc $(head -1 "$TMP/h.out")" \
	"0 usage: vessel exec [OPTIONS] ID [--] COMMAND [ARG...]"
fails_with "an unknown option before the id is named" '^vessel exec: unknown option --bogus \(usage: ' \
	vsl exec --bogus x1$S true
vsl exec --bogus x1$S true 2>/dev/null; is "a usage error exits 2" "$?" 2
fails_with "an option's missing value is named" 'option --cwd needs a value \(DIR\)' vsl exec --cwd

# --- ps: after the id, ps(1)'s arguments
out=$(vsl ps x1$S -o pid,comm)
like "ps ID -o pid,comm passes the options to ps(1)" "$out" '^ *PID COMMAND'
like "ps ID -o pid,comm lists the container's process" "$out" "$(state_field x1$S pid) sleep"
is "ps ID -- -o pid,comm: the first -- is dropped" "$(vsl ps x1$S -- -o pid,comm)" "$out"
is "ps --format json ID: the pids" "$(vsl ps --format json x1$S)" "[$(state_field x1$S pid)]"
vsl ps x1$S --format json >/dev/null 2>&1
[ $? -ne 0 ] && ok "ps ID --format json: after the id it is ps(1)'s argument (ps refuses it)" ||
	not_ok "ps ID --format json was taken as vessel's option"

# --- other commands: options anywhere before "--", as urfave/cli reorders them
check "update ID --pids-limit 40 (the option after the id)" vsl update x1$S --pids-limit 40
is "events ID --stats (the option after the id)" "$(vsl events x1$S --stats | jq -r .type)" stats
vsl state x1$S --help >"$TMP/h.out"; rc=$?
is "state ID --help: help, exit 0" "$rc $(head -1 "$TMP/h.out")" "0 usage: vessel state [OPTIONS] ID"
fails_with "delete ID -- --force: after -- it is an argument" 'expected one container id' \
	vsl delete x1$S -- --force
check "kill ID --all KILL" vsl kill x1$S --all KILL
wait_status x1$S stopped && ok "kill --all after the id killed the container" || not_ok "x1 not stopped"
check "delete ID --force (the option after the id)" vsl delete x1$S --force
assert_no_leftovers x1$S
check "create ID -b B --pid-file F: create's options after the id" \
	vsl create x2$S -b "$B" --pid-file "$TMP/x2.pid"
is "the pid file is written" "$(cat "$TMP/x2.pid")" "$(state_field x2$S pid)"
check "delete x2" vsl delete --force x2$S
assert_no_leftovers x2$S

# --- global options come only before the command
fails_with "a global option after the command is refused" '^vessel list: unknown option --root' \
	"$VESSEL" list --root "$ROOT"
fails_with "an unknown global option is named" '^vessel: unknown option --nope' "$VESSEL" --nope list

# --- help: every command's --help, one line per option, and its parser knows each one
help_of() { "$VESSEL" "$@" --help; }
# the options of one --help text: "NAME ARG" per line (ARG "-" for a flag); fails on a line
# of the options section that is not "  [-x, ]--name [ARG]  description"
opts_of() {
	awk '/^(global )?options( \(before the command\))?:$/ { on = 1; next } on && /^$/ { on = 0 } on {
		if (match($0, /^  (-[a-zA-Z0-9], |    )--[a-z0-9-]+( [^ ]+)?  +[^ ]/) == 0) { print "BAD " $0; next }
		n = $0; sub(/^  (-[a-zA-Z0-9], |    )--/, "", n); split(n, w, " ")
		arg = (substr(n, length(w[1]) + 2, 1) == " ") ? "-" : w[2]
		print w[1], arg, (substr($0, 3, 1) == "-") ? substr($0, 4, 1) : "-" }'
}
cmds=$("$VESSEL" help --list)
verbs() { help_of "$1" | awk '/^verbs:$/ { on = 1; next } on && !NF { exit } on { print $1 }'; }
bad=""; long=""; unknown=""; n=0
for spec in "" $cmds $(for c in $cmds; do for v in $(verbs "$c"); do echo "$c:$v"; done; done); do
	words=(${spec/:/ })
	text=$(help_of "${words[@]}") || bad="$bad ${spec:-vessel}(exit)"
	grep -q '^usage: vessel' <<<"$text" || bad="$bad ${spec:-vessel}(usage)"
	long="$long$(awk -v c="${spec:-vessel}" 'length > 100 { printf " %s", c }' <<<"$text")"
	while read -r name arg short; do
		[ "$name" = BAD ] && { bad="$bad ${spec:-vessel}"; continue; }
		n=$((n + 1))
		forms=("--$name"); [ "$short" != - ] && forms+=("-$short")
		for f in "${forms[@]}"; do
			a=(); [ "$arg" != - ] && a=("$TMP/optval")
			"$VESSEL" "${words[@]}" "$f" "${a[@]}" --help >/dev/null 2>"$TMP/opt.err"
			grep -q "unknown option" "$TMP/opt.err" && unknown="$unknown ${spec:-vessel}:$f"
		done
	done < <(opts_of <<<"$text")
done
is "every --help has a usage line and one well-formed line per option" "$bad" ""
is "no help line is wider than 100 columns" "$long" ""
is "the parser knows every option a help lists ($n options)" "$unknown" ""
is "vessel help exec prints exec's --help" "$("$VESSEL" help exec)" "$(help_of exec)"
is "vessel help template import prints the verb's --help" "$("$VESSEL" help template import)" \
	"$(help_of template import)"
like "exec's help lists --cwd with its value and its line" "$(help_of exec)" \
	$'\n      --cwd DIR +working directory in the container\n'

# --- make install: binary and man pages under DESTDIR and PREFIX
D=$TMP/inst
check "make install DESTDIR PREFIX=/usr" make -s -C "$TOP" install DESTDIR="$D" PREFIX=/usr
[ -x "$D/usr/bin/vessel" ] && ok "the binary is in DESTDIR/PREFIX/bin" || not_ok "no $D/usr/bin/vessel"
missing=""
for c in "" $cmds; do
	p=$D/usr/share/man/man1/vessel${c:+-$c}.1
	[ -f "$p" ] || missing="$missing $(basename "$p")"
done
is "vessel.1 and vessel-COMMAND.1 for every command in man1" "$missing" ""
man_opts() { MANWIDTH=120 man -P cat -l "$1" 2>/dev/null |
	grep -E '^ {7}(-[a-zA-Z0-9], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+' | sort -u; }
help_opts() { for t in "$@"; do help_of $t | opts_of; done | awk '{ print "--" $1 }' | sort -u; }
like "man -l reads a page: vessel-exec(1)" "$(MANWIDTH=120 man -P cat -l "$D/usr/share/man/man1/vessel-exec.1")" \
	'NAME[[:space:]]+vessel-exec - run a process in a running container'
differ=""
for c in $cmds; do
	vs=("$c"); for v in $(verbs "$c"); do vs+=("$c $v"); done
	[ "$(man_opts "$D/usr/share/man/man1/vessel-$c.1")" = "$(help_opts "${vs[@]}")" ] || differ="$differ $c"
done
[ "$(man_opts "$D/usr/share/man/man1/vessel.1")" = "$(help_of | opts_of | awk '{ print "--" $1 }' | sort -u)" ] ||
	differ="$differ vessel"
is "each man page lists exactly the options its --help lists" "$differ" ""
warn=$(for p in "$D"/usr/share/man/man1/*.1; do groff -man -ww -z "$p" 2>&1; done)
is "groff reads every page without a warning" "$warn" ""
check "PREFIX=/opt/vessel" make -s -C "$TOP" install DESTDIR="$TMP/inst2" PREFIX=/opt/vessel
[ -x "$TMP/inst2/opt/vessel/bin/vessel" ] && [ -f "$TMP/inst2/opt/vessel/share/man/man1/vessel-run.1" ] &&
	ok "PREFIX decides bin/ and share/man/man1/" || not_ok "PREFIX=/opt/vessel: $(find "$TMP/inst2")"

done_testing
