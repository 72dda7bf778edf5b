# -*- coding: utf-8 -*-
# Copyright: nodeprep authors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""Run the nodeprep agent with --json and read its one JSON object.

The agent's contract (exit codes, JSON shapes) is what the modules rely on:
0 success whether or not anything changed, 1 failed, 2 invalid input,
3 drift or a failed check, 4 not permitted here.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_DRIFT = 3
EXIT_NOT_PERMITTED = 4


def nodeprep_argv(module, *args):
    """The agent's argv: binary, global options, then the command."""
    binary = module.params.get('nodeprep_path') or module.get_bin_path('nodeprep', required=True)
    argv = [binary, '--json']
    profile_path = module.params.get('profile_path')
    if profile_path:
        argv += ['--profile-path', ':'.join(profile_path)]
    return argv + list(args)


def parse_result(out):
    """The last line of stdout that is a JSON object (the agent prints one)."""
    for line in reversed(out.splitlines()):
        line = line.strip()
        if not line.startswith('{'):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            return obj
    return None


def run_nodeprep(module, argv, ok_codes=(EXIT_OK,)):
    """Run argv; fail the task with msg, rc, stdout and stderr unless the exit
    code is in ok_codes. Returns (rc, result, stdout, stderr)."""
    rc, out, err = module.run_command(argv, check_rc=False)
    result = parse_result(out)
    if rc not in ok_codes:
        msg = (result or {}).get('error') or err.strip().splitlines()[-1:] or ['nodeprep failed']
        if isinstance(msg, list):
            msg = msg[0]
        i = argv.index('--json') + 1
        command = ' '.join(argv[i:i + 2] if argv[i] in ('k3s', 'profile', 'openfaas') else argv[i:i + 1])
        module.fail_json(msg='nodeprep %s failed: %s' % (command, msg),
                         rc=rc, stdout=out, stderr=err, cmd=argv, result=result)
    if result is None:
        module.fail_json(msg='nodeprep printed no JSON result', rc=rc, stdout=out, stderr=err, cmd=argv)
    return rc, result, out, err


def keys_text(keys, field):
    """One "key = value" line per key, for diff mode."""
    lines = []
    for k in sorted(keys or [], key=lambda k: k.get('key', '')):
        value = k.get(field)
        lines.append('%s = %s' % (k.get('key', '?'), '(missing)' if value is None else value))
    return '\n'.join(lines) + '\n' if lines else ''


def nodeprep_argument_spec(**spec):
    """A module's argument_spec plus the options every module takes (the
    doc fragment nodeprep.node.nodeprep documents them)."""
    spec['nodeprep_path'] = dict(type='path')
    return spec


def nodeprep_status(module, *command):
    """The result of a status command (e.g. 'k3s', 'status'): exit 3 is an
    answer (not installed, not ready), not a failure."""
    rc, result, out, err = run_nodeprep(module, nodeprep_argv(module, *command), ok_codes=(EXIT_OK, EXIT_DRIFT))
    return result
