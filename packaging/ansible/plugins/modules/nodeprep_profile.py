#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: nodeprep authors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: nodeprep_profile
short_description: Apply, verify or roll back a nodeprep tuning profile
version_added: "0.1.0"
description:
  - Runs C(nodeprep apply), C(nodeprep verify) or C(nodeprep rollback) on the managed host and reports the agent's
    JSON result.
  - Apply is all or nothing; the values are persisted to C(/etc/sysctl.d/99-zz-nodeprep.conf), C(/etc/modules-load.d)
    and C(/etc/systemd/system.conf.d) unless C(persist=false).
  - Check mode runs the agent with C(--dry-run); diff mode shows the live and the desired value of every key.
options:
  profile:
    description:
      - A profile name looked up on the profile path (C(/etc/nodeprep/profiles), then C(/usr/share/nodeprep/profiles)),
        or a path to an C(.ini) file.
      - Required when C(state=applied).
    type: str
  state:
    description:
      - C(applied) applies I(profile).
      - C(verified) compares the live system with the applied profile and fails on drift; it never changes anything.
      - C(rolled_back) restores the values found before the first apply and removes the files nodeprep wrote.
    type: str
    choices: [applied, verified, rolled_back]
    default: applied
  persist:
    description: Persist the values so they win at boot. C(false) changes the live values only.
    type: bool
    default: true
  strict:
    description: Fail when a key of the profile does not exist on this kernel.
    type: bool
    default: false
  allow_netns:
    description:
      - Allow running outside the host network namespace (containers, tests); only per-network-namespace keys are
        written.
    type: bool
    default: false
  profile_path:
    description: Directories searched for profile names, first match wins.
    type: list
    elements: path
extends_documentation_fragment:
  - nodeprep.node.nodeprep
  - ansible.builtin.action_common_attributes
notes:
  - Needs root (C(become=true)).
author:
  - nodeprep maintainers (@nodeprep)
'''

EXAMPLES = r'''
- name: Tune the node for K3s and OpenFaaS
  nodeprep.node.nodeprep_profile:
    profile: serverless

- name: Fail when the node drifted from the applied profile
  nodeprep.node.nodeprep_profile:
    state: verified

- name: Undo everything nodeprep changed
  nodeprep.node.nodeprep_profile:
    state: rolled_back
'''

RETURN = r'''
profile:
  description: The profile applied (or found applied).
  returned: success
  type: str
  sample: serverless
keys:
  description: Per key, the value before and after, the action and the scope.
  returned: success
  type: list
  elements: dict
  sample: [{"key": "net.core.somaxconn", "before": "4096", "after": "32768", "action": "set", "scope": "per-netns"}]
files:
  description: The files written or removed.
  returned: success
  type: list
  elements: dict
drifted:
  description: The keys, files or modules out of sync (C(state=verified)).
  returned: when state is verified
  type: list
  elements: str
result:
  description: The agent's whole JSON result.
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.nodeprep.node.plugins.module_utils.nodeprep import (
    EXIT_DRIFT, EXIT_OK, keys_text, nodeprep_argument_spec, nodeprep_argv, run_nodeprep)


def apply(module):
    p = module.params
    args = ['apply']
    if module.check_mode:
        args.append('--dry-run')
    if not p['persist']:
        args.append('--no-persist')
    if p['strict']:
        args.append('--strict')
    if p['allow_netns']:
        args.append('--allow-netns')
    # Options before the profile: the agent stops reading options there.
    args.append(p['profile'])
    argv = nodeprep_argv(module, *args)
    rc, result, out, err = run_nodeprep(module, argv)
    changed = bool(result.get('would_change') if module.check_mode else result.get('changed'))
    ret = dict(changed=changed, profile=result.get('profile'), keys=result.get('keys', []),
               files=result.get('files', []), result=result, cmd=argv)
    for w in result.get('warnings', []):
        module.warn(w)
    if module._diff:
        ret['diff'] = dict(before_header='live values', after_header='profile %s' % p['profile'],
                           before=keys_text(result.get('keys'), 'before'),
                           after=keys_text(result.get('keys'), 'after'))
    return ret


def verify(module):
    argv = nodeprep_argv(module, 'verify')
    rc, result, out, err = run_nodeprep(module, argv, ok_codes=(EXIT_OK, EXIT_DRIFT))
    if rc == EXIT_DRIFT:
        module.fail_json(msg='drift: %s' % ', '.join(result.get('drifted') or ['no profile applied']),
                         rc=rc, stdout=out, stderr=err, cmd=argv, result=result,
                         drifted=result.get('drifted', []))
    return dict(changed=False, profile=result.get('profile'), keys=result.get('keys', []),
                files=result.get('files', []), drifted=[], result=result, cmd=argv)


def rollback(module):
    p = module.params
    args = ['rollback']
    if module.check_mode:
        args.append('--dry-run')
    if p['allow_netns']:
        args.append('--allow-netns')
    argv = nodeprep_argv(module, *args)
    rc, result, out, err = run_nodeprep(module, argv)
    keys = result.get('keys', [])
    changed = bool(result.get('changed')) or (module.check_mode and bool(keys or result.get('files')))
    ret = dict(changed=changed, keys=keys, files=result.get('files', []), result=result, cmd=argv)
    if module._diff:
        ret['diff'] = dict(before_header='live values', after_header='originals',
                           before=keys_text(keys, 'before'), after=keys_text(keys, 'after'))
    return ret


def main():
    module = AnsibleModule(
        argument_spec=nodeprep_argument_spec(
            profile=dict(type='str'),
            state=dict(type='str', default='applied', choices=['applied', 'verified', 'rolled_back']),
            persist=dict(type='bool', default=True),
            strict=dict(type='bool', default=False),
            allow_netns=dict(type='bool', default=False),
            profile_path=dict(type='list', elements='path'),
        ),
        required_if=[('state', 'applied', ['profile'])],
        supports_check_mode=True,
    )
    state = module.params['state']
    if state == 'applied':
        module.exit_json(**apply(module))
    elif state == 'verified':
        module.exit_json(**verify(module))
    else:
        module.exit_json(**rollback(module))


if __name__ == '__main__':
    main()
