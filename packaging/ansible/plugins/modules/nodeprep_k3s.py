#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: nodeprep authors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: nodeprep_k3s
short_description: Install or uninstall K3s with the nodeprep agent
version_added: "0.1.0"
description:
  - Runs C(nodeprep k3s install) (download with checksum, unit, configuration, start, readiness ladder) or
    C(nodeprep k3s uninstall) on the managed host.
  - Idempotent; a second run with the same options reports no change and does not restart K3s.
  - The join token is handed to the agent through a file (mode 0600), never on a command line; I(token) is
    written to such a file for the duration of the task and removed afterwards.
  - Check mode reads C(nodeprep k3s status) and reports whether an install or an uninstall would change the node.
options:
  state:
    description: C(present) installs K3s, C(absent) uninstalls what C(nodeprep k3s install) wrote.
    type: str
    choices: [present, absent]
    default: present
  role:
    description: C(server) (the first server, or an additional one with I(server)) or C(agent).
    type: str
    choices: [server, agent]
    default: server
  version:
    description: An exact K3s release such as C(v1.31.4+k3s1). Excludes I(channel).
    type: str
  channel:
    description: A release channel (C(stable), C(latest), C(v1.31)) resolved at install time.
    type: str
  channel_url:
    description: The channel server.
    type: str
  mirror:
    description: The release base; assets are fetched from C(MIRROR/download/VERSION/ASSET).
    type: str
  airgap:
    description: Install from this directory instead of downloading.
    type: path
  server:
    description: The server to join, C(https://HOST:6443). Agents and additional servers.
    type: str
  token:
    description: The cluster token. Written to a private 0600 file for the agent; never logged.
    type: str
  token_file:
    description: A file on the managed host holding the cluster token. Excludes I(token).
    type: path
  cluster_init:
    description: Start an embedded etcd cluster (the first server).
    type: bool
    default: false
  datastore_endpoint:
    description: An external datastore. May hold a password, so it is never logged and reaches nodeprep
      in a private 0600 file (C(--datastore-endpoint-file)), never on a command line.
    type: str
  disable:
    description: Packaged components to disable. The agent disables traefik when this is empty.
    type: list
    elements: str
  tls_san:
    description: Extra names and addresses for the API server certificate.
    type: list
    elements: str
  node_ip:
    description: The node's address in the cluster.
    type: str
  timeout:
    description: Seconds for K3s to start and become ready.
    type: int
  force:
    description: Reinstall and restart even when nothing changed.
    type: bool
    default: false
  allow_http:
    description: Allow plain http downloads from a non-loopback mirror.
    type: bool
    default: false
  purge:
    description: With C(state=absent), also remove K3s's data.
    type: bool
    default: false
extends_documentation_fragment:
  - nodeprep.node.nodeprep
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: partial
    details: Compares the installed version and readiness; it cannot tell whether changed options would rewrite the
      configuration.
  diff_mode:
    support: none
notes:
  - Needs root (C(become=true)) and systemd.
author:
  - nodeprep maintainers (@nodeprep)
'''

EXAMPLES = r'''
- name: First server of a cluster
  nodeprep.node.nodeprep_k3s:
    role: server
    cluster_init: true
    tls_san: [k3s.example.internal]

- name: Agent joining it
  nodeprep.node.nodeprep_k3s:
    role: agent
    server: https://10.0.0.10:6443
    token: "{{ k3s_token }}"

- name: Remove K3s and its data
  nodeprep.node.nodeprep_k3s:
    state: absent
    purge: true
'''

RETURN = r'''
version:
  description: The K3s version installed.
  returned: success
  type: str
  sample: v1.31.4+k3s1
role:
  description: server or agent.
  returned: success
  type: str
ready:
  description: Whether every rung of the readiness ladder holds.
  returned: success
  type: bool
steps:
  description: What the agent did, step by step (name, status, detail).
  returned: success
  type: list
  elements: dict
'''

import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.nodeprep.node.plugins.module_utils.nodeprep import (
    nodeprep_argument_spec, nodeprep_argv, nodeprep_status, run_nodeprep)


def install_args(p, token_file, datastore_file):
    args = ['k3s', 'install', '--role', p['role']]
    for name in ('version', 'channel', 'channel_url', 'mirror', 'airgap', 'server', 'node_ip'):
        if p[name]:
            args += ['--' + name.replace('_', '-'), p[name]]
    if token_file:
        args += ['--token-file', token_file]
    if datastore_file:
        args += ['--datastore-endpoint-file', datastore_file]
    if p['cluster_init']:
        args.append('--cluster-init')
    for d in p['disable'] or []:
        args += ['--disable', d]
    for s in p['tls_san'] or []:
        args += ['--tls-san', s]
    if p['timeout']:
        args += ['--timeout', str(p['timeout'])]
    if p['force']:
        args.append('--force')
    if p['allow_http']:
        args.append('--allow-http')
    return args


def private_file(tmpdir, name, content):
    path = os.path.join(tmpdir, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(content + '\n')
    return path


def present(module):
    p = module.params
    if module.check_mode:
        st = nodeprep_status(module, 'k3s', 'status')
        installed = st.get('version') not in (None, '')
        same = installed and (not p['version'] or st.get('version') == p['version'])
        return dict(changed=not (same and st.get('ready')) or p['force'], version=st.get('version'),
                    role=st.get('role'), ready=bool(st.get('ready')), steps=st.get('steps', []))
    tmpdir = None
    token_file = p['token_file']
    datastore_file = None
    try:
        if p['token'] or p['datastore_endpoint']:
            # A private directory: secrets never appear on a command line
            # (/proc/PID/cmdline is readable by every user).
            tmpdir = tempfile.mkdtemp(prefix='nodeprep-secret-')
        if p['token']:
            token_file = private_file(tmpdir, 'token', p['token'].strip())
        if p['datastore_endpoint']:
            datastore_file = private_file(tmpdir, 'datastore-endpoint', p['datastore_endpoint'].strip())
        argv = nodeprep_argv(module, *install_args(p, token_file, datastore_file))
        rc, result, out, err = run_nodeprep(module, argv)
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return dict(changed=bool(result.get('changed')), version=result.get('version'), role=result.get('role'),
                ready=bool(result.get('ready')), steps=result.get('steps', []))


def absent(module):
    if module.check_mode:
        st = nodeprep_status(module, 'k3s', 'status')
        return dict(changed=st.get('version') not in (None, ''), steps=st.get('steps', []))
    args = ['k3s', 'uninstall']
    if module.params['purge']:
        args.append('--purge')
    rc, result, out, err = run_nodeprep(module, nodeprep_argv(module, *args))
    return dict(changed=bool(result.get('changed')), steps=result.get('steps', []))


def main():
    module = AnsibleModule(
        argument_spec=nodeprep_argument_spec(
            state=dict(type='str', default='present', choices=['present', 'absent']),
            role=dict(type='str', default='server', choices=['server', 'agent']),
            version=dict(type='str'),
            channel=dict(type='str'),
            channel_url=dict(type='str'),
            mirror=dict(type='str'),
            airgap=dict(type='path'),
            server=dict(type='str'),
            token=dict(type='str', no_log=True),
            token_file=dict(type='path'),
            cluster_init=dict(type='bool', default=False),
            datastore_endpoint=dict(type='str', no_log=True),
            disable=dict(type='list', elements='str'),
            tls_san=dict(type='list', elements='str'),
            node_ip=dict(type='str'),
            timeout=dict(type='int'),
            force=dict(type='bool', default=False),
            allow_http=dict(type='bool', default=False),
            purge=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('version', 'channel'), ('token', 'token_file'), ('cluster_init', 'datastore_endpoint')],
        required_if=[('role', 'agent', ['server'])],
        supports_check_mode=True,
    )
    p = module.params
    if p['state'] == 'present' and p['role'] == 'agent' and not (p['token'] or p['token_file']):
        module.fail_json(msg='an agent needs token or token_file')
    module.exit_json(**(present(module) if p['state'] == 'present' else absent(module)))


if __name__ == '__main__':
    main()
