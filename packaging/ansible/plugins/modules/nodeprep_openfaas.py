#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: nodeprep authors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: nodeprep_openfaas
short_description: Deploy OpenFaaS on K3s through K3s's helm-controller with the nodeprep agent
version_added: "0.1.0"
description:
  - Runs C(nodeprep openfaas install) (the pinned faas-netes chart checked against the chart repository's digest,
    one manifest in K3s's server/manifests, the readiness ladder up to an authenticated gateway) or
    C(nodeprep openfaas uninstall) on a K3s server.
  - Idempotent; a second run with the same options writes nothing and reports no change.
  - OpenFaaS Community Edition is licensed under its EULA (U(https://github.com/openfaas/faas/blob/master/EULA.md)),
    which forbids redistributing it and installing it for a client commercially; C(accept_ce_eula=true) is required
    for CE, or C(license_file) for OpenFaaS Pro.
options:
  state:
    description: C(present) installs OpenFaaS, C(absent) removes what C(nodeprep openfaas install) wrote.
    type: str
    choices: [present, absent]
    default: present
  accept_ce_eula:
    description: Accept the OpenFaaS CE EULA. Excludes C(license_file).
    type: bool
    default: false
  license_file:
    description: An OpenFaaS Pro licence on the managed host. Excludes C(accept_ce_eula).
    type: path
  chart_url:
    description: A chart repository (its C(index.yaml)) to fetch the chart from instead of the upstream one.
    type: str
  chart_file:
    description: The chart C(.tgz) on the managed host.
    type: path
  expose:
    description: C(clusterip) keeps the gateway off every public address (reach it through nginx);
      C(loadbalancer) and C(nodeport) publish plain HTTP on 8080 or 31112 of every node address.
    type: str
    choices: [clusterip, loadbalancer, nodeport]
    default: clusterip
  function_timeout:
    description: The gateway's upstream timeout (read/write are set slightly above it), such as C(60s) or C(2m).
    type: str
    default: 60s
  canary:
    description: Also deploy, invoke (sync and async) and delete a canary function.
    type: bool
    default: false
  timeout:
    description: Seconds each rung of the readiness ladder may take at most.
    type: int
extends_documentation_fragment:
  - nodeprep.node.nodeprep
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads C(nodeprep openfaas status); a change is reported when OpenFaaS is absent, not ready, or installed
      with another edition or function timeout.
  diff_mode:
    support: partial
    details: Shows the edition, exposure and function timeout before and after; not the manifest itself, which
      holds the basic-auth password.
notes:
  - Needs root (C(become=true)) on a K3s server installed with C(nodeprep_k3s).
author:
  - nodeprep maintainers (@nodeprep)
'''

EXAMPLES = r'''
- name: OpenFaaS CE behind the node's nginx
  nodeprep.node.nodeprep_openfaas:
    accept_ce_eula: true
    function_timeout: 2m

- name: Remove it
  nodeprep.node.nodeprep_openfaas:
    state: absent
'''

RETURN = r'''
ready:
  description: Whether every rung of the readiness ladder holds.
  returned: success
  type: bool
edition:
  description: ce or pro.
  returned: success
  type: str
gateway:
  description: The gateway's cluster address (IP:8080), for the nginx upstream.
  returned: when known
  type: str
steps:
  description: What the agent did, step by step (name, status, detail).
  returned: success
  type: list
  elements: dict
'''

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.nodeprep.node.plugins.module_utils.nodeprep import (
    nodeprep_argument_spec, nodeprep_argv, nodeprep_status, run_nodeprep)


def seconds(text):
    """60s, 2m, 1m30s, 90 -> seconds (the agent validates the same forms)."""
    if re.fullmatch(r'[0-9]+', text):
        return int(text)
    parts = re.findall(r'([0-9]+)([hms])', text)
    if not parts or ''.join(n + u for n, u in parts) != text:
        return None
    return sum(int(n) * {'h': 3600, 'm': 60, 's': 1}[u] for n, u in parts)


def summary(st):
    if not st or not st.get('chart_version'):
        return 'installed: false\n'
    return 'edition: %s\nfunction_timeout_sec: %s\nready: %s\n' % (
        st.get('edition'), st.get('function_timeout_sec'), str(bool(st.get('ready'))).lower())


def install_args(p):
    args = ['openfaas', 'install', '--expose', p['expose'], '--function-timeout', p['function_timeout']]
    if p['accept_ce_eula']:
        args.append('--accept-ce-eula')
    for name in ('license_file', 'chart_url', 'chart_file'):
        if p[name]:
            args += ['--' + name.replace('_', '-'), p[name]]
    if p['canary']:
        args.append('--canary')
    if p['timeout']:
        args += ['--timeout', str(p['timeout'])]
    return args


def present(module):
    p = module.params
    want = {'edition': 'pro' if p['license_file'] else 'ce', 'function_timeout_sec': seconds(p['function_timeout']),
            'ready': True, 'chart_version': 'pinned'}
    before = nodeprep_status(module, 'openfaas', 'status')
    diff = dict(before=summary(before), after=summary(want))
    if module.check_mode:
        same = (before.get('chart_version') and before.get('ready') and before.get('edition') == want['edition']
                and before.get('function_timeout_sec') == want['function_timeout_sec'])
        return dict(changed=not same, ready=bool(before.get('ready')), edition=before.get('edition'),
                    steps=before.get('steps', []), diff=diff)
    rc, result, out, err = run_nodeprep(module, nodeprep_argv(module, *install_args(p)))
    diff['after'] = summary(result)
    out = dict(changed=bool(result.get('changed')), ready=bool(result.get('ready')), edition=result.get('edition'),
               steps=result.get('steps', []), diff=diff)
    if result.get('gateway'):
        out['gateway'] = result['gateway']
    if result.get('warning'):
        module.warn(result['warning'])
    return out


def absent(module):
    before = nodeprep_status(module, 'openfaas', 'status')
    installed = bool(before.get('chart_version'))
    diff = dict(before=summary(before), after=summary(None))
    if module.check_mode:
        return dict(changed=installed, steps=before.get('steps', []), diff=diff)
    rc, result, out, err = run_nodeprep(module, nodeprep_argv(module, 'openfaas', 'uninstall'))
    return dict(changed=bool(result.get('changed')), steps=result.get('steps', []), diff=diff)


def main():
    module = AnsibleModule(
        argument_spec=nodeprep_argument_spec(
            state=dict(type='str', default='present', choices=['present', 'absent']),
            accept_ce_eula=dict(type='bool', default=False),
            license_file=dict(type='path'),
            chart_url=dict(type='str'),
            chart_file=dict(type='path'),
            expose=dict(type='str', default='clusterip', choices=['clusterip', 'loadbalancer', 'nodeport']),
            function_timeout=dict(type='str', default='60s'),
            canary=dict(type='bool', default=False),
            timeout=dict(type='int'),
        ),
        mutually_exclusive=[('accept_ce_eula', 'license_file')],
        supports_check_mode=True,
    )
    p = module.params
    if p['state'] == 'present':
        if not p['accept_ce_eula'] and not p['license_file']:
            module.fail_json(msg='OpenFaaS CE needs accept_ce_eula=true (its EULA: '
                                 'https://github.com/openfaas/faas/blob/master/EULA.md), or license_file for Pro')
        if seconds(p['function_timeout']) is None:
            module.fail_json(msg='function_timeout: a duration such as 60s, 2m or 1m30s')
    module.exit_json(**(present(module) if p['state'] == 'present' else absent(module)))


if __name__ == '__main__':
    main()
