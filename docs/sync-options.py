#!/usr/bin/env python3
"""Bring the option lists of the man page and the README command reference in
line with `oomguard COMMAND --help`, the single source of option text.

    docs/sync-options.py [BINARY]        (default: build/oomguard)

Between the BEGIN OPTIONS / END OPTIONS markers of each command it adds an
entry (from the help line) for every option the help lists and the document
lacks, drops entries for options the help no longer lists, and orders them as
the help does.  Entries that exist keep their hand-edited text.  Commands whose
--help fails (not implemented yet) are left alone.  tests/cli/docs.bats is the
check; this script is the fix.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPT_RE = re.compile(
    r'^\s+(?:(-[A-Za-z0-9]),\s+)?(--[A-Za-z0-9][A-Za-z0-9-]*)'
    r'(\[=[^\]]*\]|[ =][A-Z][A-Z0-9_.:|-]*)?(?:\s+(.*))?$')


def commands(binary):
    out = subprocess.run([binary, '--help'], capture_output=True, text=True).stdout
    cmds, on = [], False
    for line in out.splitlines():
        if line.startswith('Commands:'):
            on = True
        elif on and re.match(r'^\s+[a-z]', line):
            cmds.append(line.split()[0])
        elif on and not line.strip():
            break
    return cmds


def help_options(binary, cmd):
    """[(short, long, metavar, description)] or None when --help fails."""
    p = subprocess.run([binary, cmd, '--help'], capture_output=True, text=True)
    if p.returncode != 0:
        return None
    opts, indent = [], None
    for line in p.stdout.splitlines():
        m = OPT_RE.match(line)
        if m:
            short, long_, meta, desc = m.groups()
            meta = (meta or '').lstrip(' =')
            opts.append([short or '', long_, meta, (desc or '').strip()])
            indent = len(line) - len(line.lstrip())
        elif opts and indent is not None and line.strip() and \
                len(line) - len(line.lstrip()) > indent and not line.lstrip().startswith('-'):
            opts[-1][3] = (opts[-1][3] + ' ' + line.strip()).strip()
        else:
            indent = None
    return opts


def sentence(desc):
    desc = desc.strip()
    if not desc:
        return desc
    desc = desc[0].upper() + desc[1:]
    return desc if desc.endswith('.') else desc + '.'


def roff_text(s):
    s = s.replace('\\', '\\e')
    # A minus sign before a digit or as an option dash; hyphens inside words stay.
    s = re.sub(r'(?<![A-Za-z0-9])-', r'\\-', s)
    s = re.sub(r'(?<=\\-)-', r'\\-', s)
    if s[:1] in ('.', "'"):
        s = '\\&' + s
    return s


def roff_entry(short, long_, meta, desc):
    tag = ''
    if short:
        tag = '\\fB%s\\fR, ' % short.replace('-', '\\-')
    tag += '\\fB%s\\fR' % long_.replace('-', '\\-')
    if meta.startswith('['):
        tag += '[=\\fI%s\\fR]' % meta[2:-1]
    elif meta:
        tag += ' \\fI%s\\fR' % meta
    return ['.TP', tag, roff_text(sentence(desc))]


def md_entry(short, long_, meta, desc):
    spell = (short + ', ' if short else '') + long_
    if meta.startswith('['):
        spell += meta
    elif meta:
        spell += ' ' + meta
    return ['| `%s` | %s |' % (spell, sentence(desc).replace('|', '\\|'))]


def roff_key(entry):
    tag = entry[1] if len(entry) > 1 else ''
    tag = re.sub(r'\\f[BIRP]', '', tag).replace('\\-', '-')
    m = re.search(r'--[A-Za-z0-9][A-Za-z0-9-]*', tag)
    return m.group(0) if m else None


def md_key(entry):
    cell = entry[0].split('|')[1] if entry[0].startswith('|') else ''
    m = re.search(r'--[A-Za-z0-9][A-Za-z0-9-]*', cell)
    return m.group(0) if m else None


def split_roff(body):
    entries, cur = [], None
    for line in body:
        if line == '.TP':
            cur = [line]
            entries.append(cur)
        elif cur is not None:
            cur.append(line)
    return entries


def split_md(body):
    head = [l for l in body if l.startswith('|') and md_key([l]) is None]
    rows = [[l] for l in body if l.startswith('|') and md_key([l]) is not None]
    return head, rows


def merge(have, opts, make, where, changes):
    """Entries in help order: existing ones kept as edited, missing ones made."""
    out, wanted = [], [o[1] for o in opts]
    for o in opts:
        if o[1] not in have:
            changes.append(where + 'added ' + o[1])
        out.extend(have.get(o[1]) or make(*o))
    changes.extend(where + 'removed ' + k for k in have if k not in wanted)
    return out


def sync_file(path, begin_fmt, end_fmt, opts_by_cmd, kind):
    if not os.path.exists(path):
        return []
    lines = open(path, encoding='utf-8').read().split('\n')
    out, changes, i = [], [], 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        m = re.match(begin_fmt, line)
        i += 1
        if not m:
            continue
        cmd = m.group(1)
        j = i
        while j < len(lines) and not re.match(end_fmt % re.escape(cmd), lines[j]):
            j += 1
        if j == len(lines):
            sys.exit('%s: no end marker for %s' % (path, cmd))
        body = lines[i:j]
        opts = opts_by_cmd.get(cmd)
        if opts is None:
            out.extend(body)
        else:
            if kind == 'roff':
                head, entries, key, make = [], split_roff(body), roff_key, roff_entry
            else:
                head, entries = split_md(body)
                head, key, make = head or ['| option | meaning |', '|---|---|'], md_key, md_entry
            out.extend(head)
            out.extend(merge({key(e): e for e in entries}, opts, make,
                             '%s: %s: ' % (path, cmd), changes))
        i = j
    new = '\n'.join(out)
    if new != '\n'.join(lines):
        open(path, 'w', encoding='utf-8').write(new)
    return changes


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'build', 'oomguard')
    opts = {}
    for cmd in commands(binary):
        o = help_options(binary, cmd)
        if o is None:
            print('%s --help fails: left alone' % cmd)
        else:
            opts[cmd] = o
    changes = sync_file(os.path.join(ROOT, 'docs', 'oomguard.1'),
                        r'^\.\\" BEGIN OPTIONS (\S+)', r'^\.\\" END OPTIONS %s\b', opts, 'roff')
    for md in ('README.md',):
        changes += sync_file(os.path.join(ROOT, md),
                             r'^<!-- BEGIN OPTIONS (\S+) -->', r'^<!-- END OPTIONS %s -->', opts, 'md')
    for c in changes:
        print(c)
    if not changes:
        print('option lists already match --help')


if __name__ == '__main__':
    main()
